"""The questionnaire as data: model, loader, checks and the Babel extractor."""

from bot.questionnaire.loader import Problem, QuestionnaireError, default_path, load
from bot.questionnaire.model import Option, Question, Questionnaire, QuestionType, Section

__all__ = ["Option", "Problem", "Question", "QuestionType", "Questionnaire", "QuestionnaireError",
           "Section", "default_path", "load"]
