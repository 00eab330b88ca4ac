"""Automatic speech recognition (AI Energy Score: ``AIEnergyScore/ASR``, column ``audio``;
reference model openai/whisper-large-v3).

One query, as the transformers ASR pipeline runs a Whisper model on a clip of 30 s or less:
the feature extractor's log-mel spectrogram of the clip padded to the fixed 30 s window
(phase "preprocess"), then ``generate`` (phase "generate": the encoder over all 1,500
positions, then greedy decoding, with language detection first when the model is
multilingual and no language is set, as ``generate`` does by default), then decoding the
new tokens to text. Longer clips are cut to their first 30 s (the pipeline would chunk
them), and ``input_audio_s`` counts the seconds the model heard.

Energy depends on the fixed 30 s window and on how many tokens the decoder produces, not on
what the audio says; random weights never stop early, so ``random:`` models decode a
capped number of tokens (``max_new_tokens``, :data:`RANDOM_MAX_NEW_TOKENS` unless set) and
every run records the cap. Trained models decode until their end token (or their own
``max_length``) unless ``max_new_tokens`` is given.

Audio inputs (:mod:`joulebench.data.audio`) are resampled to 16 kHz only when needed, with
numpy linear interpolation.
"""

from __future__ import annotations

from typing import Any

from ..data.audio import TARGET_RATE, decode_audio, to_rate
from ..errors import ModelError
from ..models.loading import (
    base_info,
    build_model,
    count_parameters,
    load_config,
    load_tokenizer,
    torch_dtype,
)
from ..models.source import ModelSource
from .base import (
    InputKind,
    LoadedTask,
    PhaseHook,
    Prepared,
    QueryResult,
    TaskOption,
    TaskSpec,
    no_phase,
)

RANDOM_MAX_NEW_TOKENS = 20
WINDOW_S = 30.0  # Whisper's fixed input window
PREPROCESSOR = "preprocessor_config.json"

SPEC = TaskSpec(
    name="automatic-speech-recognition",
    title="Automatic speech recognition",
    input_kind=InputKind.AUDIO,
    default_columns=("audio",),
    preprocessing="16 kHz mono (resampled if needed), first 30 s; log-mel over the 30 s "
                  "window; greedy generate (random weights: 20 new tokens at most)",
    model_kinds=("AutoModelForSpeechSeq2Seq (Whisper)",),
    options=(TaskOption("max_new_tokens", int, None,
                        "longest transcript, in tokens (default: 20 for random weights, "
                        "else the model's generation config)"),),
)


def new_tokens(sequence: list[int], generation_config: Any) -> list[int]:
    """The generated tokens of ``sequence``, without the decoder prompt when ``generate``
    returned it (start of transcript, then at most one language, one task and the
    no-timestamps token, in that order); versions that strip the prompt return it bare."""
    start = getattr(generation_config, "decoder_start_token_id", None)
    if not sequence or sequence[0] != start:
        return sequence
    groups = [set((getattr(generation_config, name, None) or {}).values())
              for name in ("lang_to_id", "task_to_id")]
    groups.append({getattr(generation_config, "no_timestamps_token_id", None)})
    i = 1
    for group in groups:
        if i < len(sequence) and sequence[i] in group:
            i += 1
    return sequence[i:]


class SpeechRecognitionRunner:
    spec = SPEC

    def __init__(self, model: Any, feature_extractor: Any, tokenizer: Any,
                 max_new_tokens: int | None, dtype: str = "float32") -> None:
        self.model = model
        self.feature_extractor = feature_extractor
        self.tokenizer = tokenizer
        self.max_new_tokens = max_new_tokens
        self.dtype = dtype
        self.rate = int(getattr(feature_extractor, "sampling_rate", TARGET_RATE))
        self.window_s = float(getattr(feature_extractor, "chunk_length", WINDOW_S))
        gen = model.generation_config
        self.settings = {
            "max_new_tokens": max_new_tokens if max_new_tokens is not None
            else f"model default (max_length {getattr(gen, 'max_length', None)})",
            "decoding": "greedy",
            "window_s": self.window_s,
            "sampling_rate": self.rate,
            "mel_bins": int(getattr(feature_extractor, "feature_size", 0)),
            "language": "detected by generate" if getattr(gen, "lang_to_id", None)
            else "none (no language tokens)",
        }

    def prepare(self, example: Any) -> Prepared:
        if isinstance(example, dict) and "audio" in example and "array" not in example:
            example = example["audio"]
        audio = decode_audio(example)
        original = int(audio["sampling_rate"])
        audio = to_rate(audio, self.rate)
        samples = audio["array"][: int(self.window_s * self.rate)]
        seconds = audio["array"].size / self.rate
        return Prepared(samples, meta={"seconds": round(seconds, 3), "original_rate": original,
                                       "resampled": original != self.rate,
                                       "cut": seconds > self.window_s})

    def run(self, prepared: Prepared, phase: PhaseHook = no_phase) -> QueryResult:
        import torch

        with torch.inference_mode():
            with phase("preprocess"):
                features = self.feature_extractor(prepared.payload, sampling_rate=self.rate,
                                                  return_tensors="pt").input_features
                features = features.to(next(self.model.parameters()).device,
                                       torch_dtype(self.dtype))
            with phase("generate"):
                kwargs = {} if self.max_new_tokens is None else {"max_new_tokens": self.max_new_tokens}
                sequence = self.model.generate(input_features=features, **kwargs)[0].tolist()
        new = new_tokens(sequence, self.model.generation_config)
        text = self.tokenizer.decode(new, skip_special_tokens=True).strip()
        return QueryResult(output={"text": text}, output_tokens=len(new),
                           input_audio_s=round(prepared.payload.size / self.rate, 3))


def _feature_extractor(source: ModelSource, mel_bins: int) -> tuple[Any, str]:
    import json

    from transformers import AutoFeatureExtractor, WhisperFeatureExtractor

    if source.kind == "random":
        assert source.path is not None
        path = source.path / PREPROCESSOR
        if path.is_file():
            settings = json.loads(path.read_text(encoding="utf-8"))
            for key in ("feature_extractor_type", "processor_class"):
                settings.pop(key, None)
            where = f"the shipped {PREPROCESSOR} of {source.name}"
        else:
            settings, where = {"feature_size": mel_bins}, "Whisper defaults"
        return WhisperFeatureExtractor(**settings), f"WhisperFeatureExtractor from {where}"
    from ..models.loading import _from_source

    extractor = _from_source(source, "the feature extractor",
                             lambda name, kw: AutoFeatureExtractor.from_pretrained(name, **kw))
    where = "Hugging Face Hub" if source.kind == "hub" else "local directory"
    return extractor, f"{type(extractor).__name__} ({where})"


def load(source: ModelSource, *, device: str = "cpu", dtype: str = "float32",
         trust_remote_code: bool = False, max_new_tokens: int | None = None) -> LoadedTask:
    """A Whisper-style speech-to-text model, its feature extractor and its tokenizer."""
    import transformers
    from transformers.models.auto import modeling_auto

    config = load_config(source, trust_remote_code=trust_remote_code)
    model_type = getattr(config, "model_type", None)
    if model_type not in modeling_auto.MODEL_FOR_SPEECH_SEQ_2_SEQ_MAPPING_NAMES:
        arch = (getattr(config, "architectures", None) or [model_type])[0]
        raise ModelError(f"{source.label} ({arch}) does not fit task {SPEC.name}: it needs a "
                         "speech-to-text model (Whisper)",
                         hint="models that fit: random:openai/whisper-tiny, "
                              "random:openai/whisper-large-v3")
    if max_new_tokens is not None and int(max_new_tokens) < 1:
        raise ModelError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
    model = build_model(source, transformers.AutoModelForSpeechSeq2Seq, config, device=device,
                        dtype=dtype, trust_remote_code=trust_remote_code)
    extractor, extractor_line = _feature_extractor(source, int(getattr(config, "num_mel_bins", 80)))
    tokenizer, provenance = load_tokenizer(source, config, trust_remote_code=trust_remote_code)
    cap = int(max_new_tokens) if max_new_tokens is not None else (
        RANDOM_MAX_NEW_TOKENS if source.kind == "random" else None)
    runner = SpeechRecognitionRunner(model, extractor, tokenizer, cap, dtype)
    info = base_info(source, model, device=device, dtype=dtype)
    info.update(tokenizer=provenance, feature_extractor=extractor_line, zero_shot=False,
                mode="task")
    info.update(runner.settings)
    return LoadedTask(runner=runner, parameters=count_parameters(model),
                      model_label=source.label, info=info, model=model)
