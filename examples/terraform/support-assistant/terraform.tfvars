region         = "us-east-1"
agent_model_id = "anthropic.claude-3-haiku-20240307-v1:0"
