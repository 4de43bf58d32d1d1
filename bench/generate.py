"""Generate a synthetic infrastructure monorepo for the benchmark.

The tree looks like real platform repositories: Terraform root modules per service and
environment (providers, variables with defaults, locals, tfvars, a local module, IAM,
networking, storage, compute), of which one in ten uses Bedrock, plus CloudFormation and
SAM templates. Everything is deterministic for a given size and seed.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

MODELS = [
    "anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "anthropic.claude-sonnet-4-5-20250929-v1:0", "amazon.titan-embed-text-v2:0", "meta.llama3-8b-instruct-v1:0",
    "anthropic.claude-v2", "amazon.nova-pro-v1:0",
]
FILES_PER_TF_ROOT = 8  # main, monitoring, variables, outputs, versions, tfvars, module main + variables
TEMPLATE_SHARE = 0.15  # of all files


def _versions() -> str:
    return '''terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }
}
'''


def _variables(service: str, bedrock: bool, rng: random.Random) -> str:
    out = f'''variable "region" {{
  type    = string
  default = "{rng.choice(["us-east-1", "us-west-2", "eu-central-1"])}"
}}

variable "environment" {{
  type    = string
  default = "dev"
}}

variable "instance_type" {{
  type    = string
  default = "t3.{rng.choice(["small", "medium", "large"])}"
}}

variable "tags" {{
  type = map(string)
  default = {{
    team    = "{service}"
    service = "{service}"
  }}
}}
'''
    if bedrock:
        out += f'''
variable "model_id" {{
  type    = string
  default = "{rng.choice(MODELS)}"
}}
'''
    return out


def _main(service: str, bedrock: bool, rng: random.Random) -> str:
    buckets = "\n".join(f'''
resource "aws_s3_bucket" "data_{i}" {{
  bucket = "${{local.name}}-data-{i}"
  tags   = local.tags
}}

resource "aws_s3_bucket_versioning" "data_{i}" {{
  bucket = aws_s3_bucket.data_{i}.id
  versioning_configuration {{
    status = "Enabled"
  }}
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "data_{i}" {{
  bucket = aws_s3_bucket.data_{i}.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm = "aws:kms"
    }}
  }}
}}

resource "aws_s3_bucket_lifecycle_configuration" "data_{i}" {{
  bucket = aws_s3_bucket.data_{i}.id
  rule {{
    id     = "expire-old-versions"
    status = "Enabled"
    noncurrent_version_expiration {{
      noncurrent_days = {rng.choice([30, 60, 90])}
    }}
  }}
}}''' for i in range(rng.randint(1, 4)))
    out = f'''provider "aws" {{
  region = var.region
}}

locals {{
  name = "{service}-${{var.environment}}"
  tags = merge(var.tags, {{ environment = var.environment }})
}}

module "network" {{
  source      = "./modules/network"
  name        = local.name
  cidr_block  = "10.{rng.randint(0, 255)}.0.0/16"
  tags        = local.tags
}}

resource "aws_security_group" "app" {{
  name   = "${{local.name}}-app"
  vpc_id = module.network.vpc_id

  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }}

  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

resource "aws_instance" "app" {{
  count                  = 2
  ami                    = "ami-0abcdef1234567890"
  instance_type          = var.instance_type
  vpc_security_group_ids = [aws_security_group.app.id]
  subnet_id              = module.network.private_subnet_ids[count.index]
  tags                   = merge(local.tags, {{ Name = "${{local.name}}-${{count.index}}" }})
}}
{buckets}
'''
    if bedrock:
        out += '''
resource "aws_bedrockagent_agent" "assistant" {
  agent_name              = "${local.name}-assistant"
  agent_resource_role_arn = aws_iam_role.assistant.arn
  foundation_model        = var.model_id
  instruction             = "You help the team answer questions about the service and its runbooks."
}

resource "aws_iam_role" "assistant" {
  name = "${local.name}-assistant"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "bedrock.amazonaws.com" } }]
  })
}

resource "aws_iam_role_policy" "invoke" {
  role = aws_iam_role.assistant.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["bedrock:InvokeModel"]
      Resource = ["arn:aws:bedrock:${var.region}::foundation-model/${var.model_id}"]
    }]
  })
}
'''
    return out


def _monitoring(service: str, rng: random.Random) -> str:
    alarms = "\n".join(f'''
resource "aws_cloudwatch_metric_alarm" "{name}" {{
  alarm_name          = "${{local.name}}-{name}"
  alarm_description   = "{description} for {service}"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = {rng.randint(1, 5)}
  metric_name         = "{metric}"
  namespace           = "AWS/EC2"
  period              = 300
  statistic           = "Average"
  threshold           = {rng.randint(50, 95)}
  alarm_actions       = [aws_sns_topic.alerts.arn]
  dimensions = {{
    AutoScalingGroupName = "${{local.name}}-asg"
  }}
  tags = local.tags
}}''' for name, metric, description in (
        ("cpu-high", "CPUUtilization", "Average CPU above threshold"),
        ("status-check", "StatusCheckFailed", "Instance status checks failing"),
        ("network-in", "NetworkIn", "Unusual inbound traffic"),
    ))
    return f'''resource "aws_sns_topic" "alerts" {{
  name = "${{local.name}}-alerts"
  tags = local.tags
}}

resource "aws_sns_topic_subscription" "oncall" {{
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = "oncall+{service}@example.com"
}}
{alarms}

resource "aws_cloudwatch_log_group" "app" {{
  name              = "/app/${{local.name}}"
  retention_in_days = {rng.choice([7, 14, 30, 90])}
  tags              = local.tags
}}
'''


def _outputs() -> str:
    return '''output "security_group_id" {
  value = aws_security_group.app.id
}

output "instance_ids" {
  value = aws_instance.app[*].id
}
'''


def _module_main() -> str:
    return '''resource "aws_vpc" "this" {
  cidr_block           = var.cidr_block
  enable_dns_hostnames = true
  tags                 = merge(var.tags, { Name = var.name })
}

resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet(var.cidr_block, 8, count.index)
  availability_zone = data.aws_availability_zones.available.names[count.index]
}

data "aws_availability_zones" "available" {
  state = "available"
}

output "vpc_id" {
  value = aws_vpc.this.id
}

output "private_subnet_ids" {
  value = aws_subnet.private[*].id
}
'''


def _module_variables() -> str:
    return '''variable "name" {
  type = string
}

variable "cidr_block" {
  type = string
}

variable "tags" {
  type    = map(string)
  default = {}
}
'''


def _template(index: int, bedrock: bool, rng: random.Random) -> str:
    queue = f'''  Queue{index}:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${{AWS::StackName}}-jobs-{index}"
      VisibilityTimeout: 120
  Table{index}:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - AttributeName: pk
          AttributeType: S
      KeySchema:
        - AttributeName: pk
          KeyType: HASH
'''
    function = f'''  Handler{index}:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      CodeUri: src/
      Environment:
        Variables:
          TABLE: !Ref Table{index}
          {"MODEL_ID: !Ref ModelId" if bedrock else "LOG_LEVEL: INFO"}
'''
    params = f'''Parameters:
  ModelId:
    Type: String
    Default: {rng.choice(MODELS)}
''' if bedrock else ""
    return f'''AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Description: Service stack {index}
{params}Resources:
{queue}{function}'''


def generate(root: Path, files: int, seed: int = 7) -> dict[str, int]:
    """Write a tree of about `files` files under `root`; returns counts by kind."""
    rng = random.Random(seed)
    templates = int(files * TEMPLATE_SHARE)
    roots = max(1, (files - templates) // FILES_PER_TF_ROOT)
    for i in range(roots):
        service = f"svc{i:05d}"
        bedrock = i % 10 == 0
        base = root / "terraform" / service[:6] / service
        (base / "modules" / "network").mkdir(parents=True, exist_ok=True)
        (base / "versions.tf").write_text(_versions())
        (base / "variables.tf").write_text(_variables(service, bedrock, rng))
        (base / "main.tf").write_text(_main(service, bedrock, rng))
        (base / "outputs.tf").write_text(_outputs())
        (base / "monitoring.tf").write_text(_monitoring(service, rng))
        (base / "terraform.tfvars").write_text(f'environment = "{rng.choice(["dev", "staging", "prod"])}"\n')
        (base / "modules" / "network" / "main.tf").write_text(_module_main())
        (base / "modules" / "network" / "variables.tf").write_text(_module_variables())
    for i in range(templates):
        directory = root / "stacks" / f"group{i // 100:03d}"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"stack{i:05d}.yaml").write_text(_template(i, i % 10 == 0, rng))
    return {"terraform_roots": roots, "terraform_files": roots * FILES_PER_TF_ROOT, "templates": templates}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(generate(args.directory, args.files, args.seed))


if __name__ == "__main__":
    main()
