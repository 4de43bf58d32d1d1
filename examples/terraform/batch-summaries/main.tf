provider "aws" {
  region = "us-west-2"
}

# Nightly summaries run on dedicated capacity; the commitment is renewed every half year.
resource "aws_bedrock_provisioned_model_throughput" "summaries" {
  provisioned_model_name = "nightly-summaries"
  model_arn              = "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0:200k"
  model_units            = 2
  commitment_duration    = "SixMonths"
}

resource "aws_bedrock_custom_model" "tone" {
  custom_model_name     = "brand-tone"
  job_name              = "brand-tone-2026-11"
  base_model_identifier = "arn:aws:bedrock:us-west-2::foundation-model/amazon.titan-text-express-v1"
  role_arn              = "arn:aws:iam::123456789012:role/customization"
  customization_type    = "FINE_TUNING"

  output_data_config {
    s3_uri = "s3://example-models/brand-tone/"
  }
  training_data_config {
    s3_uri = "s3://example-datasets/brand-tone/train.jsonl"
  }
}
