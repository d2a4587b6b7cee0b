"""Sharing datasets and policies through the Hugging Face Hub (`imitate hub ...`).

Runs on a workstation or on the robot: needs huggingface_hub, not torch or lerobot. Tokens come from
HF_TOKEN or the Hub's own login cache (`imitate hub login`), never from a file in the project.
"""
