"""LLM Inference Playground: see what a language model does while it generates text."""
