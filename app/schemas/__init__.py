"""Wire models: the OpenAI API the agents speak, and contract v1 between gateway and policy."""
