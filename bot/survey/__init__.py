"""The needs questionnaire as a conversation: onboarding and consent, answering, the summary,
deletion, repeat rounds and the reminder for an unfinished questionnaire."""
