"""The "Action Recognition" tab: the top actions of a clip, and a timeline for longer videos.

A clip no longer than one window of the model gets its top 5 and the frames it was sampled on. A
longer one also gets a timeline (:mod:`videogen.recognize.timeline`): the whole video's top 5 (mean
over the segments), its spans ("0:00-1:00 moving right"), a plot of the top actions' scores over
time, and a segment slider that shows each segment's frames and top actions. Selecting a stretch of
the plot moves the slider to the segment in its middle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import gradio as gr
import numpy as np

from videogen import params
from videogen.registry import find
from videogen.ui.credentials import credentials_update
from videogen.ui.endpoints import named_inputs
from videogen.ui.settings import setting_box
from videogen.ui.warning_texts import tr_warning
from videogen.ui.i18n import Locale, locale_of, t, tr
from videogen.ui.playable import show_playable
from videogen.ui.generation import GPU_QUEUE

if TYPE_CHECKING:
    import pandas as pd

    from videogen.recognize.classify import ClassificationResult
    from videogen.recognize.timeline import TimelineResult

LABELS_PLACEHOLDER = "blank: the 400 Kinetics actions. Or your own, e.g.: dancing, playing guitar, cooking"
TIMELINE_OUTPUTS = 6  # summary, plot, segment slider, segment frames, segment scores, timeline state
PLOT_LABELS = 6  # actions drawn on the timeline plot, at most
# Gradio's gallery tiles are at least 100 px wide, so a half-page column holds 4 without cutting
# any off at the right (down to ~1000 px wide windows; a narrower page stacks the columns). A
# numeric height, because "auto" keeps a 450 px minimum.
STRIP_COLUMNS = 4  # 16 sampled frames: 4 rows; X-CLIP's 8: 2 rows
STRIP_HEIGHT = 620
SEGMENT_COLUMNS = 8  # a segment's frames: one row, the page's full width
SEGMENT_HEIGHT = 200


def build_tab(
    classify: Callable, model_card: Callable, choices: list[tuple[str, str]], default: str, examples: list[str],
    *, cancel: Callable | None = None, page_texts: Callable | None = None, on_load: Callable | None = None,
    custom_models: bool = True,
) -> None:
    """The tab's widgets and events. ``choices`` and the card are in English; ``page_texts`` puts them
    in the browser's language when the page loads (``on_load``: the app's ``Blocks.load``)."""

    def takes_labels(model: str) -> bool:
        """X-CLIP models, and repos or folders not in the registry (their family is read when run)."""
        spec = find(model, "classify")
        return spec is None or spec.family_info.zero_shot

    def model_changed(model: str, request: gr.Request | None = None) -> tuple[str, dict]:
        card = model_card(model, "classify", locale_of(request))
        if takes_labels(model):
            return card, gr.update(visible=True)
        return card, gr.update(visible=False, value="")  # closed-set: no labels

    with gr.Row():
        with gr.Column(scale=1):
            video = gr.Video(label=t("Video"), sources=["upload", "webcam"])
            credentials = gr.Markdown(visible=False, label=t("Content Credentials"))  # the upload's, if it has any
            model = gr.Dropdown(choices, value=default, label=t("Model"), allow_custom_value=True,
                                # the handler refuses unlisted models in public mode, with the app's one answer
                                # (Gradio's own check would echo the value, with a traceback in the log)
                                info=None if custom_models else t("One of the listed models (public mode)"))
            model_info = gr.Markdown(model_card(default, "classify"))
            labels = gr.Textbox(label=t(params.LABELS.label), value="", placeholder=t(LABELS_PLACEHOLDER),
                                visible=takes_labels(default))
            answer = setting_box(params.ANSWER)
            with gr.Row():
                run = gr.Button(t("Classify"), variant="primary")
                stop = gr.Button(t("Cancel"), variant="stop", visible=cancel is not None)
            if examples:
                gr.Examples([[clip] for clip in examples], inputs=[video], label=t("Try (shapes world)"))
        with gr.Column(scale=1):
            scores = gr.Label(label=t("Top 5"), num_top_classes=5)
            status = gr.Markdown(label=t("Status"))  # labels name the API's outputs
            strip = gr.Gallery(label=t("Sampled frames"), columns=STRIP_COLUMNS, height=STRIP_HEIGHT, object_fit="contain")
    with gr.Column():
        summary = gr.Markdown(label=t("Summary"), visible=False)
        plot = gr.LinePlot(x="time_s", y="probability", color="label", x_title="time (s)", y_title="probability",
                           color_title="action", y_lim=[0, 1], label=t("Timeline: the top actions over time"),
                           visible=False)
        with gr.Row():
            segment = gr.Slider(1, 2, value=1, step=1, label=t("Segment"), visible=False, scale=3)
            segment_scores = gr.Label(label=t("Segment"), num_top_classes=3, visible=False, scale=1)
        segment_frames = gr.Gallery(label=t("Segment frames"), columns=SEGMENT_COLUMNS, height=SEGMENT_HEIGHT,
                                    object_fit="contain", visible=False, buttons=["fullscreen"])  # to look at (the
        # sampled frames above are the downloads, as signed PNGs)
    timeline = gr.State()
    marks = gr.Markdown(visible=False)  # where Gradio's own progress and error marks go (unseen)

    if page_texts is not None and on_load is not None:

        def localized(chosen: str, request: gr.Request) -> tuple[Any, ...]:
            return page_texts(chosen, "classify", request)

        on_load(localized, inputs=model, outputs=[model, model_info], api_visibility="private", queue=False,
                show_progress="hidden")
    model.change(model_changed, inputs=model, outputs=[model_info, labels], api_visibility="private", queue=False)
    video.upload(show_playable, inputs=video, outputs=video, api_visibility="private")  # AVI, MKV, HEVC: an H.264 copy
    video.change(shown_credentials, inputs=video, outputs=credentials, api_visibility="private", show_progress="hidden")
    # the reason of a failure goes in the status line (and a toast), not as an Error badge on every output:
    # Gradio draws its progress and error marks on `show_progress_on`, here a box nobody sees
    run.click(classify, inputs_kwargs=named_inputs(params.CLASSIFY, {"video": video, "model": model, "labels": labels, "answer": answer}),
              outputs=[scores, strip, status, summary, plot, segment, segment_frames, segment_scores, timeline],
              api_name=params.CLASSIFY.api_name, concurrency_id=GPU_QUEUE, concurrency_limit=1,
              show_progress="hidden", show_progress_on=[marks])
    if cancel is not None:
        stop.click(cancel, outputs=status, api_visibility="private", queue=False)

    def segment_changed(index: float, shown: Any, request: gr.Request) -> tuple[Any, Any]:
        """``shown``: the TimelineResult or None (typed Any, as in :func:`select_segment`)."""
        return show_segment(index, shown, locale_of(request))

    segment.change(segment_changed, inputs=[segment, timeline], outputs=[segment_frames, segment_scores],
                   api_visibility="private", queue=False)
    plot.select(select_segment, inputs=timeline, outputs=segment, api_visibility="private", queue=False)


# ----------------------------------------------------------------------------------------------
# Results -> the tab's outputs (called by Handlers.classify)


def status_outputs(status: str) -> tuple[Any, ...]:
    """While the job runs: only the status line changes."""
    return (gr.skip(), gr.skip(), status) + (gr.skip(),) * TIMELINE_OUTPUTS


def cleared_outputs(status: str) -> tuple[Any, ...]:
    """A new run, or a failed one: the last results go (no stale top 5 beside a new message), the
    status says what happens or what went wrong."""
    hidden = gr.update(visible=False)
    return (None, [], status, *(hidden,) * 5, None)


def shown_credentials(value: Any, request: gr.Request) -> Any:
    """The uploaded video's Content Credentials, in the browser's language."""
    return credentials_update(value, locale_of(request))


def result_outputs(result: ClassificationResult, notes: list[str], locale: Locale = "en",
                   stills: list[str] | None = None) -> tuple[Any, ...]:
    """Top 5, sampled frames (``stills``: the same as signed PNG files, which the strip then offers for
    download) and status; then the timeline's outputs (hidden for a short clip)."""
    frames_shown = stills if stills is not None else result.frames if result.frames is not None else []
    strip = [(frame, tr("frame {n}", locale, n=i + 1)) for i, frame in enumerate(frames_shown)]
    timeline = result.timeline
    if timeline is None:
        done = tr("{model}: {frames} frames sampled, classified in {seconds:.2f} s.", locale, model=result.model,
                  frames=len(strip), seconds=result.timings["classify_s"])
        hidden = gr.update(visible=False)
        scores = {p["label"]: p["score"] for p in result.predictions}
        return (scores, strip, "\n\n".join([*notes, done]), *(hidden,) * 5, None)
    t, count = timeline.timings, len(timeline.segments)
    if result.answer == "windows":
        done = tr("{model}: top 5 of the whole video (mean over {count} segments of {window:g} s); the video read in "
                  "{decode:.1f} s, classified in {classify:.1f} s ({per_segment:.0f} ms per segment).", locale,
                  model=result.model, count=count, window=timeline.window_s, decode=t["decode_s"],
                  classify=t["classify_s"], per_segment=t["per_window_ms"])
    else:
        done = tr("{model}: top 5 of the whole video from {frames} frames sampled evenly over it (Whole-video answer: "
                  "sampled); the timeline below reads it segment by segment ({count} segments of {window:g} s, "
                  "classified in {classify:.1f} s).", locale, model=result.model, frames=len(strip), count=count,
                  window=timeline.window_s, classify=t["classify_s"])
    scores = {p["label"]: p["score"] for p in result.predictions}  # the same answer as the CLI's and the API's
    frames, top = show_segment(1, timeline, locale)
    return (
        scores,  # plain values first: the /classify API's outputs keep their shape
        strip,
        "\n\n".join([*notes, *(f"⚠️ {tr_warning(w, locale)}" for w in timeline.warnings), done]),
        gr.update(value=summary_markdown(timeline, locale), visible=True),
        gr.update(value=plot_frame(timeline), x_lim=[0, timeline.duration_s], visible=True, x_title=tr("time (s)", locale),
                  y_title=tr("probability", locale), color_title=tr("action", locale)),
        gr.update(minimum=1, maximum=count, value=1, step=1, visible=True,
                  label=tr("Segment (1-{count}; or select a stretch of the plot)", locale, count=count)),
        gr.update(value=frames, visible=True),
        top,
        timeline,
    )


def summary_markdown(timeline: TimelineResult, locale: Locale = "en") -> str:
    """The whole video's action and its spans, one line each."""
    summary = timeline.summary
    lines = [tr("### Timeline: mostly **{label}** ({score:.0%} mean over {count} segments of {window:g} s)", locale,
                label=summary["label"], score=summary["score"], count=len(timeline.segments), window=timeline.window_s), ""]
    lines += [f"- {clock(s['start_s'])}–{clock(s['end_s'])}: **{s['label']}**" for s in timeline.spans]
    return "\n".join(lines)


def plot_frame(timeline: TimelineResult) -> pd.DataFrame:
    """Rows (time_s, label, probability) for the plot: each segment's centre, for the actions with the
    highest mean score plus any segment's top action (at most :data:`PLOT_LABELS`)."""
    import pandas as pd

    probs = timeline.probabilities  # (segments, labels)
    assert probs is not None, "a timeline keeps its probabilities for display"
    mean = probs.mean(axis=0)
    tops = set(probs.argmax(axis=1).tolist())
    chosen = sorted(tops, key=lambda i: -mean[i])[:PLOT_LABELS]
    chosen += [int(i) for i in np.argsort(-mean, kind="stable") if int(i) not in chosen][: PLOT_LABELS - len(chosen)]
    centres = [(s["start_s"] + s["end_s"]) / 2 for s in timeline.segments]
    rows = [(centre, timeline.labels[i], float(probs[w, i])) for i in chosen for w, centre in enumerate(centres)]
    return pd.DataFrame(rows, columns=["time_s", "label", "probability"])


def show_segment(index: float, timeline: TimelineResult | None, locale: Locale = "en") -> tuple[Any, Any]:
    """Segment ``index`` (1-based): its frames (with times) and its top actions."""
    if timeline is None or not timeline.segments:
        return gr.skip(), gr.skip()
    i = min(max(int(index), 1), len(timeline.segments)) - 1
    segment = timeline.segments[i]
    frames = [(frame, clock(shown_at)) for frame, shown_at in zip(timeline.frames[i], timeline.frame_times[i])]
    top = {p["label"]: p["score"] for p in segment["top"]}
    label = tr("Segment {index}: {start}–{end}", locale, index=i + 1, start=clock(segment["start_s"]),
               end=clock(segment["end_s"]))
    return frames, gr.update(value=top, label=label, visible=True)


def select_segment(timeline: Any, evt: gr.SelectData) -> Any:
    """A stretch selected on the plot -> the segment at its middle (the slider's value).

    ``timeline`` is a TimelineResult or None, typed Any so that Gradio can resolve the hints at run
    time (it finds ``evt`` by its type).
    """
    if timeline is None or not timeline.segments:
        return gr.skip()
    index = evt.index
    x = float(np.mean(index)) if isinstance(index, (list, tuple)) else float(index)
    centres = np.array([(s["start_s"] + s["end_s"]) / 2 for s in timeline.segments])
    return int(np.argmin(np.abs(centres - x))) + 1


def clock(seconds: float) -> str:
    """125.5 -> "2:05.5"."""
    minutes, rest = divmod(float(seconds), 60)
    return f"{int(minutes)}:{rest:04.1f}"
