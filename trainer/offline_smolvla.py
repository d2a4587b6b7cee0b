"""A SmolVLA built offline, for tests and benchmarks: its VLM backbone (SmolVLM config, a word-level
tokenizer, the processor) saved to a folder, and a "pretrained base" saved from random weights, which
the tests fine-tune as a person fine-tunes lerobot/smolvla_base. Nothing is downloaded: the Hub is not
reachable here. Two sizes: "tiny" (tests: a chunk in well under a second on a CPU) and "full", the
architecture of lerobot/smolvla_base (SmolVLM2-500M's vision encoder and first 16 of its 32 language
layers, SmolVLA's action expert, images padded to 512x512), for the inference benchmark: its cost is
the real one, whatever the weights."""

from pathlib import Path

WORDS = (
    "pick up the ball place it in box avoid obstacle move arm left right red blue green cube and to on of a "
    "put stack push open close drawer"
).split()
SPECIAL = [
    "<unk>",
    "<pad>",
    "<s>",
    "</s>",
    "<image>",
    "<fake_token_around_image>",
    "<global-img>",
    "<end_of_utterance>",
    "<video>",
]
SIZES = {
    "tiny": dict(
        image_size=32,  # the vision encoder's input; SmolVLA pads every camera to it
        scale_factor=2,
        text=dict(
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            head_dim=16,
            max_position_embeddings=512,
        ),
        vision=dict(
            hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2, patch_size=8
        ),
        smolvla=dict(num_vlm_layers=2),
    ),
    "full": dict(  # SmolVLM2-500M: SmolLM2-360M's text model, a SigLIP vision encoder (published configs)
        image_size=512,
        scale_factor=4,
        text=dict(
            hidden_size=960,
            intermediate_size=2560,
            num_hidden_layers=32,
            num_attention_heads=15,
            num_key_value_heads=5,
            head_dim=64,
            max_position_embeddings=8192,
            rope_theta=100000.0,
            vocab_size=49280,
        ),
        vision=dict(
            hidden_size=768,
            intermediate_size=3072,
            num_hidden_layers=12,
            num_attention_heads=12,
            patch_size=16,
        ),
        smolvla=dict(num_vlm_layers=16),  # SmolVLAConfig's defaults otherwise: what smolvla_base is
    ),
}


def build_vlm(folder, size="tiny"):
    """Write SmolVLM's config.json, tokenizer and processor files to `folder` (no weights); returns it."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, SmolVLMConfig, SmolVLMImageProcessor, SmolVLMProcessor
    from transformers.models.smolvlm.video_processing_smolvlm import SmolVLMVideoProcessor

    folder = Path(folder)
    vocab = {t: i for i, t in enumerate(SPECIAL + WORDS)}
    words = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    words.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=words,
        unk_token="<unk>",
        pad_token="<pad>",
        bos_token="<s>",
        eos_token="</s>",
        extra_special_tokens={
            "image_token": "<image>",
            "fake_image_token": "<fake_token_around_image>",
            "global_image_token": "<global-img>",
            "end_of_utterance_token": "<end_of_utterance>",
        },
    )
    spec = SIZES[size]
    edge = {"longest_edge": spec["image_size"]}
    images = SmolVLMImageProcessor(do_image_splitting=False, size=edge, max_image_size=edge)
    patches = (spec["image_size"] // spec["vision"]["patch_size"]) ** 2
    processor = SmolVLMProcessor(
        images, tokenizer, SmolVLMVideoProcessor(), image_seq_len=patches // spec["scale_factor"] ** 2
    )
    processor.save_pretrained(folder)
    vocab_size = spec["text"].get("vocab_size", len(vocab))  # full: the real embedding table's rows
    SmolVLMConfig(
        image_token_id=vocab["<image>"],
        scale_factor=spec["scale_factor"],
        vocab_size=vocab_size,
        text_config=dict(
            model_type="llama", pad_token_id=vocab["<pad>"], **{**spec["text"], "vocab_size": vocab_size}
        ),
        vision_config=dict(image_size=spec["image_size"], **spec["vision"]),
    ).save_pretrained(folder)
    return folder


def save_smolvla_base(folder, vlm, size="tiny", joints=6):
    """A SmolVLA with random weights on a backbone of `size`, saved as lerobot saves a pretrained policy."""
    from lerobot.configs.types import FeatureType, PolicyFeature
    from lerobot.policies.smolvla.configuration_smolvla import SmolVLAConfig
    from lerobot.policies.smolvla.modeling_smolvla import SmolVLAPolicy

    spec = SIZES[size]
    side = spec["image_size"]
    config = SmolVLAConfig(
        input_features={
            "observation.state": PolicyFeature(FeatureType.STATE, (joints,)),
            "observation.images.camera1": PolicyFeature(FeatureType.VISUAL, (3, side, side)),
        },
        output_features={"action": PolicyFeature(FeatureType.ACTION, (joints,))},
        vlm_model_name=str(vlm),
        resize_imgs_with_padding=(side, side),
        **spec["smolvla"],
        chunk_size=50,
        n_action_steps=50,
        device="cpu",
        push_to_hub=False,
    )
    SmolVLAPolicy(config).save_pretrained(folder)
    return Path(folder)
