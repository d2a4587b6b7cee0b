"""A tiny SmolVLA built offline, for tests and benchmarks: its VLM backbone (SmolVLM config, a
word-level tokenizer, the processor) saved to a folder, and a "pretrained base" saved from random
weights, which the tests fine-tune as a person fine-tunes lerobot/smolvla_base. Nothing is
downloaded: the Hub is not reachable here."""

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
IMAGE_SIZE = 32  # the vision encoder's input; SmolVLA pads every camera to it


def build_tiny_vlm(folder, hidden=64, layers=2):
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
    size = {"longest_edge": IMAGE_SIZE}
    images = SmolVLMImageProcessor(do_image_splitting=False, size=size, max_image_size=size)
    processor = SmolVLMProcessor(
        images, tokenizer, SmolVLMVideoProcessor(), image_seq_len=(IMAGE_SIZE // 16) ** 2
    )
    processor.save_pretrained(folder)
    SmolVLMConfig(
        image_token_id=vocab["<image>"],
        scale_factor=2,
        vocab_size=len(vocab),
        text_config=dict(
            model_type="llama",
            vocab_size=len(vocab),
            hidden_size=hidden,
            intermediate_size=2 * hidden,
            num_hidden_layers=layers,
            num_attention_heads=4,
            num_key_value_heads=2,
            head_dim=hidden // 4,
            max_position_embeddings=512,
            pad_token_id=vocab["<pad>"],
        ),
        vision_config=dict(
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=1,
            num_attention_heads=2,
            image_size=IMAGE_SIZE,
            patch_size=8,
        ),
    ).save_pretrained(folder)
    return folder


def save_tiny_smolvla_base(folder, vlm, joints=6):
    """A SmolVLA with random weights on the tiny backbone, saved as lerobot saves a pretrained policy."""
    from lerobot.configs.types import FeatureType, PolicyFeature
    from lerobot.policies.smolvla.configuration_smolvla import SmolVLAConfig
    from lerobot.policies.smolvla.modeling_smolvla import SmolVLAPolicy

    config = SmolVLAConfig(
        input_features={
            "observation.state": PolicyFeature(FeatureType.STATE, (joints,)),
            "observation.images.camera1": PolicyFeature(FeatureType.VISUAL, (3, IMAGE_SIZE, IMAGE_SIZE)),
        },
        output_features={"action": PolicyFeature(FeatureType.ACTION, (joints,))},
        vlm_model_name=str(vlm),
        resize_imgs_with_padding=(IMAGE_SIZE, IMAGE_SIZE),
        num_vlm_layers=2,
        chunk_size=50,
        n_action_steps=50,
        device="cpu",
        push_to_hub=False,
    )
    SmolVLAPolicy(config).save_pretrained(folder)
    return Path(folder)
