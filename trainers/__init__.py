"""Trainers (SFT / IPO / GRPO on QLoRA); installed with the `train` extra."""
