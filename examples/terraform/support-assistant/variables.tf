variable "region" {
  description = "Region the assistant is deployed to"
  type        = string
  default     = "us-east-1"
}

variable "agent_model_id" {
  description = "Foundation model behind the support agent"
  type        = string
  default     = "anthropic.claude-3-5-sonnet-20240620-v1:0"
}

variable "embedding_model_id" {
  description = "Embedding model for the knowledge base"
  type        = string
  default     = "amazon.titan-embed-text-v2:0"
}
