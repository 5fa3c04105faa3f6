"""Model backends: vllm (in-process engine), openai (any OpenAI-compatible server), hf (transformers)."""
