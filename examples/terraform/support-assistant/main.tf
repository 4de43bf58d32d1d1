data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  agent_model_arn = "arn:${data.aws_partition.current.partition}:bedrock:${var.region}::foundation-model/${var.agent_model_id}"
}

resource "aws_iam_role" "agent" {
  name = "support-agent"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "bedrock.amazonaws.com" }
    }]
  })
}

data "aws_iam_policy_document" "agent_invoke" {
  statement {
    sid       = "InvokeAgentModel"
    actions   = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    resources = [local.agent_model_arn]
  }
}

resource "aws_iam_role_policy" "agent_invoke" {
  role   = aws_iam_role.agent.id
  policy = data.aws_iam_policy_document.agent_invoke.json
}

resource "aws_bedrockagent_agent" "support" {
  agent_name                  = "support-assistant"
  agent_resource_role_arn     = aws_iam_role.agent.arn
  foundation_model            = var.agent_model_id
  idle_session_ttl_in_seconds = 900
  instruction                 = "You help customers track orders, start returns and find product manuals."
}

resource "aws_bedrockagent_knowledge_base" "manuals" {
  name     = "product-manuals"
  role_arn = aws_iam_role.agent.arn

  knowledge_base_configuration {
    type = "VECTOR"
    vector_knowledge_base_configuration {
      embedding_model_arn = "arn:aws:bedrock:${var.region}::foundation-model/${var.embedding_model_id}"
    }
  }

  storage_configuration {
    type = "OPENSEARCH_SERVERLESS"
    opensearch_serverless_configuration {
      collection_arn    = "arn:aws:aoss:us-east-1:123456789012:collection/manuals"
      vector_index_name = "manuals"
      field_mapping {
        vector_field   = "embedding"
        text_field     = "text"
        metadata_field = "metadata"
      }
    }
  }
}

resource "aws_bedrockagent_data_source" "manuals_s3" {
  name              = "manuals-s3"
  knowledge_base_id = aws_bedrockagent_knowledge_base.manuals.id

  data_source_configuration {
    type = "S3"
    s3_configuration {
      bucket_arn = "arn:aws:s3:::example-product-manuals"
    }
  }

  vector_ingestion_configuration {
    parsing_configuration {
      parsing_strategy = "BEDROCK_FOUNDATION_MODEL"
      bedrock_foundation_model_configuration {
        model_arn = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-sonnet-20240229-v1:0"
      }
    }
  }
}

resource "aws_lambda_function" "escalation" {
  function_name = "support-escalation"
  role          = aws_iam_role.agent.arn
  handler       = "escalation.handler"
  runtime       = "python3.12"
  filename      = "build/escalation.zip"

  environment {
    variables = {
      SUMMARY_MODEL_ID = "us.anthropic.claude-opus-4-1-20250805-v1:0"
      LOG_LEVEL        = "INFO"
    }
  }
}
