"""Automatic speech recognition: a tiny Whisper end to end (unit counts through the
benchmark runner), the offline tokenizer's special ids, audio inputs (WAV, dataset arrays,
resampling, offline clips) and the shipped ``random:`` Whisper configs."""

from __future__ import annotations

import json
import wave
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

np = pytest.importorskip("numpy")
torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from joulebench.bench.runner import RunnerSettings, execute_job, validate_job  # noqa: E402
from joulebench.bench.runner_util import count_units  # noqa: E402
from joulebench.bench.spec import JobSpec  # noqa: E402
from joulebench.data import audio  # noqa: E402
from joulebench.data.rows import to_example  # noqa: E402
from joulebench.data.sources import load_rows  # noqa: E402
from joulebench.errors import DataError, ModelError  # noqa: E402
from joulebench.models.loading import META_FILE  # noqa: E402
from joulebench.models.offline_tokenizers import offline_tokenizer, whisper_special_tokens  # noqa: E402
from joulebench.models.source import ModelSource, parse_model_spec  # noqa: E402
from joulebench.models.tiny import tiny_source  # noqa: E402
from joulebench.tasks import speech_recognition as sr  # noqa: E402
from joulebench.tasks.base import LoadedTask, QueryResult  # noqa: E402

SPECIALS = len(whisper_special_tokens(51865))  # 1,608
REGULAR = 512
VOCAB = REGULAR + SPECIALS


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    torch.set_num_threads(1)
    cache = tmp_path_factory.mktemp("jb-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JOULEBENCH_CACHE", str(cache))
        yield tmp_path_factory.mktemp("tiny-whisper")


def tiny_whisper(directory: Path, *, languages: bool = False) -> ModelSource:
    """Whisper at toy size (d_model 32, one layer each side, 80 mel bins); with
    ``languages`` a generation config that makes ``generate`` detect the language first."""
    from transformers import WhisperConfig

    name = "tiny-whisper-lang" if languages else "tiny-whisper"
    path = directory / name
    path.mkdir(exist_ok=True)
    eot, sot = REGULAR, REGULAR + 1
    WhisperConfig(vocab_size=VOCAB, num_mel_bins=80, d_model=32, encoder_layers=1,
                  decoder_layers=1, encoder_attention_heads=2, decoder_attention_heads=2,
                  encoder_ffn_dim=64, decoder_ffn_dim=64, max_source_positions=1500,
                  max_target_positions=448, bos_token_id=eot, eos_token_id=eot, pad_token_id=eot,
                  decoder_start_token_id=sot, begin_suppress_tokens=[220, eot],
                  architectures=["WhisperForConditionalGeneration"]).to_json_file(
        str(path / "config.json"))
    (path / META_FILE).write_text(json.dumps({"model_id": name,
                                              "tokenizer": {"kind": "byte-bpe-whisper"}}))
    if languages:
        specials = whisper_special_tokens(VOCAB)
        ids = {t: REGULAR + i for i, t in enumerate(specials)}
        (path / "generation_config.json").write_text(json.dumps({
            "decoder_start_token_id": sot, "bos_token_id": eot, "eos_token_id": eot,
            "pad_token_id": eot, "is_multilingual": True, "max_length": 448,
            "lang_to_id": {t: ids[t] for t in specials[2:2 + 99]},
            "task_to_id": {"transcribe": ids["<|transcribe|>"], "translate": ids["<|translate|>"]},
            "no_timestamps_token_id": ids["<|notimestamps|>"],
            "prev_sot_token_id": ids["<|startofprev|>"], "return_timestamps": False}))
    return ModelSource(spec=f"random:{name}", kind="random", name=name, path=path)


def clip(seconds: float, rate: int = 16_000, channels: int = 1) -> dict[str, Any]:
    t = np.arange(int(seconds * rate)) / rate
    mono = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    return {"array": np.stack([mono] * channels) if channels > 1 else mono, "sampling_rate": rate}


def test_tiny_whisper_end_to_end(tiny_dir: Path) -> None:
    loaded = sr.load(tiny_whisper(tiny_dir))
    runner = loaded.runner
    assert loaded.info["max_new_tokens"] == sr.RANDOM_MAX_NEW_TOKENS == 20
    assert loaded.info["mel_bins"] == 80 and loaded.info["window_s"] == 30.0
    assert "Whisper's 1608 special tokens at their real ids" in loaded.info["tokenizer"]
    assert loaded.info["language"] == "none (no language tokens)"
    assert loaded.parameters == sum(p.numel() for p in loaded.model.parameters())
    prepared = runner.prepare(clip(2.5))
    assert prepared.meta == {"seconds": 2.5, "original_rate": 16000, "resampled": False,
                             "cut": False}
    phases: list[str] = []

    class Hook:
        def __init__(self, name: str) -> None:
            phases.append(name)

        def __enter__(self) -> None:
            return None

        def __exit__(self, *exc: object) -> None:
            return None

    result = runner.run(prepared, Hook)
    assert phases == ["preprocess", "generate"]
    assert isinstance(result.output["text"], str)
    assert 1 <= result.output_tokens <= 20
    assert result.input_audio_s == 2.5 and result.input_tokens == 0


def test_language_detection_and_a_set_cap(tiny_dir: Path) -> None:
    loaded = sr.load(tiny_whisper(tiny_dir, languages=True), max_new_tokens=5)
    assert loaded.info["language"] == "detected by generate"
    result = loaded.runner.run(loaded.runner.prepare(clip(1.0)))
    assert 1 <= result.output_tokens <= 5


def test_long_clips_are_cut_and_other_rates_resampled(tiny_dir: Path) -> None:
    runner = sr.load(tiny_whisper(tiny_dir)).runner
    long = runner.prepare(clip(31.0, rate=8000, channels=2))
    assert long.meta["cut"] and long.meta["resampled"] and long.meta["original_rate"] == 8000
    assert long.payload.shape == (480_000,) and long.payload.dtype == np.float32
    assert runner.run(long).input_audio_s == 30.0


def test_new_tokens_drop_a_returned_prompt_only() -> None:
    gen = SimpleNamespace(decoder_start_token_id=9, lang_to_id={"<|en|>": 10},
                          task_to_id={"transcribe": 11}, no_timestamps_token_id=12)
    assert sr.new_tokens([9, 10, 11, 12, 5, 12], gen) == [5, 12]
    assert sr.new_tokens([9, 5, 6], gen) == [5, 6]
    assert sr.new_tokens([12, 12, 5], gen) == [12, 12, 5]  # prompt already stripped
    assert sr.new_tokens([], gen) == []


def test_model_that_does_not_fit(tiny_dir: Path) -> None:
    with pytest.raises(ModelError, match="does not fit task automatic-speech-recognition"):
        sr.load(tiny_source("gpt2", tiny_dir))


def test_units_carry_seconds_of_audio() -> None:
    results = [QueryResult(output={}, output_tokens=3, input_audio_s=1.25),
               [QueryResult(output={}, output_tokens=2, input_audio_s=2.5)]]
    units = count_units(results)
    assert units["input_audio_s"] == 3.75 and units["output_tokens"] == 5
    assert "input_audio_s" not in count_units([QueryResult(output={}, input_tokens=4)])


def test_runner_job_counts_audio_seconds_and_tokens(tiny_dir: Path) -> None:
    source = tiny_whisper(tiny_dir)
    loads: list[LoadedTask] = []

    def load(_source: Any, **kw: Any) -> LoadedTask:
        loads.append(sr.load(source, **kw))
        return loads[-1]

    rows = audio.offline_clips(2)
    settings = RunnerSettings(
        task_loader=lambda _name: SimpleNamespace(SPEC=sr.SPEC, load=load),
        rows_loader=lambda *_a, **_k: SimpleNamespace(name="offline:audio", rows=rows,
                                                      fingerprint="fp", source="test",
                                                      licence="CC0"))
    job = JobSpec(task=sr.SPEC.name, model="random:openai/whisper-tiny", dataset="offline:audio",
                  n_queries=3, repetitions=1, warmup=0)
    validate_job(job, settings)
    records = list(execute_job(job, sensors=[], settings=settings))
    assert [r.status for r in records] == ["ok"], records[0].error
    units = records[0].units
    assert units["input_audio_s"] == 5.0 + 6.0 + 5.0  # clips 0, 1, 0
    assert 3 <= units["output_tokens"] <= 60
    assert records[0].config["model_info"]["max_new_tokens"] == 20


def test_whisper_special_ids_match_the_real_vocabularies(tmp_path: Path) -> None:
    v3 = whisper_special_tokens(51866)
    assert len(v3) == 1609 and 51866 - len(v3) == 50257
    assert v3.index("<|startoftranscript|>") + 50257 == 50258
    assert v3.index("<|transcribe|>") + 50257 == 50360
    assert v3.index("<|notimestamps|>") + 50257 == 50364
    assert v3[-1] == "<|30.00|>" and "<|yue|>" in v3
    v2 = whisper_special_tokens(51865)
    assert v2.index("<|notimestamps|>") + 50257 == 50363 and "<|yue|>" not in v2
    small = offline_tokenizer("byte-bpe-whisper", VOCAB, model_id="tiny", cache_dir=tmp_path)
    tok = small.tokenizer
    assert len(tok) == VOCAB
    assert tok.convert_tokens_to_ids("<|endoftext|>") == REGULAR
    assert tok.convert_tokens_to_ids("<|notimestamps|>") == REGULAR + 1 + 1 + 99 + 5
    ids = tok("hello world")["input_ids"]
    assert tok.decode([*ids, REGULAR], skip_special_tokens=True) == "hello world"
    with pytest.raises(ModelError, match="regular entries"):
        offline_tokenizer("byte-bpe-whisper", 1700, model_id="x", cache_dir=tmp_path)


def test_shipped_configs_have_the_real_parameter_counts() -> None:
    from transformers import AutoConfig, AutoModelForSpeechSeq2Seq

    for name, count, mels in (("openai/whisper-tiny", 37_760_640, 80),
                              ("openai/whisper-large-v3", 1_543_490_560, 128)):
        source = parse_model_spec(f"random:{name}")
        assert source.path is not None
        config = AutoConfig.from_pretrained(str(source.path))
        with torch.device("meta"):
            model = AutoModelForSpeechSeq2Seq.from_config(config)
        assert sum(p.numel() for p in model.parameters()) == count, name
        pre = json.loads((source.path / "preprocessor_config.json").read_text())
        assert (pre["feature_size"], pre["sampling_rate"], pre["n_fft"], pre["hop_length"],
                pre["chunk_length"]) == (mels, 16000, 400, 160, 30)
        assert json.loads((source.path / META_FILE).read_text())["parameters"] == count


@pytest.mark.slow
def test_random_whisper_tiny_real_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOULEBENCH_CACHE", str(tmp_path))
    loaded = sr.load(parse_model_spec("random:openai/whisper-tiny"))
    assert loaded.parameters == 37_760_640
    assert loaded.info["language"] == "detected by generate"
    result = loaded.runner.run(loaded.runner.prepare(audio.synthetic_clip(0)))
    assert result.input_audio_s == 5.0 and 1 <= result.output_tokens <= 20


@pytest.mark.slow
def test_random_whisper_large_v3_real_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOULEBENCH_CACHE", str(tmp_path))
    loaded = sr.load(parse_model_spec("random:openai/whisper-large-v3"))
    assert loaded.parameters == 1_543_490_560
    assert loaded.info["mel_bins"] == 128
    assert loaded.runner.tokenizer.convert_tokens_to_ids("<|notimestamps|>") == 50364  # type: ignore[attr-defined]


# --- audio inputs ------------------------------------------------------------------------


def test_wav_round_trip_and_widths(tmp_path: Path) -> None:
    original = clip(0.5)
    path = audio.write_wav(tmp_path / "a.wav", original)
    back = audio.read_wav(path)
    assert back["sampling_rate"] == 16000 and back["array"].shape == (8000,)
    assert np.abs(back["array"] - original["array"]).max() < 1e-3
    stereo8 = tmp_path / "b.wav"
    with wave.open(str(stereo8), "wb") as handle:
        handle.setnchannels(2)
        handle.setsampwidth(1)
        handle.setframerate(8000)
        handle.writeframes(bytes([128, 255] * 100))
    read = audio.read_wav(stereo8)
    assert read["array"].shape == (100,) and read["sampling_rate"] == 8000
    assert read["array"][0] == pytest.approx((0.0 + 127 / 128) / 2)
    (tmp_path / "bad.wav").write_bytes(b"not a wav")
    with pytest.raises(DataError, match="cannot read WAV"):
        audio.read_wav(tmp_path / "bad.wav")


def test_dataset_values_and_resampling(tmp_path: Path) -> None:
    value = {"array": [0.0, 0.5, 1.0, 0.5], "sampling_rate": 8000, "path": None}
    decoded = audio.decode_audio(value)
    assert decoded["array"].dtype == np.float32
    up = audio.to_rate(decoded, 16000)
    assert up["sampling_rate"] == 16000 and up["array"].shape == (8,)
    assert up["array"][1] == pytest.approx(0.25)  # linear interpolation
    assert audio.to_rate(up, 16000) is up  # no resampling when the rate already fits
    wav = audio.write_wav(tmp_path / "c.wav", clip(0.1))
    assert audio.decode_audio({"bytes": wav.read_bytes(), "path": "c.wav"})["array"].size == 1600
    assert audio.decode_audio(str(wav))["array"].size == 1600
    row = to_example({"audio": {"path": str(wav), "bytes": None}}, ("audio",), sr.SPEC)
    assert row["sampling_rate"] == 16000
    decoder = SimpleNamespace(get_all_samples=lambda: SimpleNamespace(
        data=torch.zeros(2, 320), sample_rate=16000))
    assert audio.decode_audio(decoder)["array"].shape == (320,)
    with pytest.raises(DataError, match="cannot read audio"):
        audio.decode_audio(3.5)
    with pytest.raises(DataError, match="sampling rate"):
        audio.decode_audio({"array": [0.1, 0.2], "sampling_rate": None})


def test_wav_folders_and_files_as_datasets(tmp_path: Path) -> None:
    for i in range(3):
        audio.write_wav(tmp_path / f"{i}.wav", clip(0.2 + 0.1 * i))
    (tmp_path / "notes.txt").write_text("ignored")
    sample = load_rows(str(tmp_path), task=sr.SPEC, n=2)
    assert [r["array"].size for r in sample.rows] == [3200, 4800]
    assert sample.fingerprint == load_rows(str(tmp_path), task=sr.SPEC, n=2).fingerprint
    one = load_rows(str(tmp_path / "2.wav"), task=sr.SPEC, n=5)
    assert len(one.rows) == 1 and one.fingerprint != sample.fingerprint
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match="no audio files"):
        load_rows(str(empty), task=sr.SPEC, n=2)


def test_offline_audio_is_synthetic_and_deterministic() -> None:
    sample = load_rows("offline:audio", task=sr.SPEC, n=10)
    assert len(sample.rows) == 10 and sample.rows[8] is sample.rows[0]  # 8 distinct, cycled
    seconds = [r["array"].size / r["sampling_rate"] for r in sample.rows[:8]]
    assert all(5.0 <= s <= 10.0 for s in seconds) and len(set(seconds)) == 6
    assert all(r["sampling_rate"] == 16000 and np.abs(r["array"]).max() <= 1.0
               for r in sample.rows)
    assert "synthetic" in sample.source and "not speech" in sample.source
    assert "CC0" in sample.licence
    again = load_rows("offline:audio", task=sr.SPEC, n=10)
    assert again.fingerprint == sample.fingerprint
    assert np.array_equal(audio.synthetic_clip(3)["array"], audio.synthetic_clip(3)["array"])
