"""MSO Assistant: the needs survey of Wuppertal's integration office for migrant self-organisations."""

__version__ = "0.1.0"
