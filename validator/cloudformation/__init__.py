"""CloudFormation, SAM and CDK-synthesized templates -> `ParsedFile` (the neutral model).

`load` reads YAML/JSON keeping lines, `resolve` evaluates intrinsic functions,
`definitions` handles state machine and flow definitions, `template` builds resources.
"""

from .options import TemplateOptions, load_parameters_file
from .template import parse_definition, parse_template

__all__ = ["TemplateOptions", "load_parameters_file", "parse_definition", "parse_template"]
