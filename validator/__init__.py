"""iac-check: stop infrastructure code from shipping Bedrock models past their end of life."""

__version__ = "0.1.0"
