"""The app's endpoints, built from the settings table (:mod:`videogen.params`).

Gradio names an endpoint's HTTP API parameters after its handler's parameters and describes the
endpoint (and, with ``mcp_server=True``, the MCP tool and each of its arguments) from the
handler's docstring. :func:`endpoint` makes that handler from a :class:`~videogen.params.TaskParams`:
its signature is the task's main inputs, then its settings (each defaulting to None, "unset"), then
what Gradio fills in itself (the session's history, the request, the progress bar); its docstring
is the task's description with one ``Args:`` line per parameter. The call is handed on to ``run``
with the values by name, so no layer between the page and the API depends on a position.

:func:`named_inputs` gives the components to wire to it by the same names (Gradio's
``inputs_kwargs``): the page sends each box's value under its parameter's name.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import gradio as gr

from videogen.params import Param, TaskParams

RunFn = Callable[..., Iterator[Any]]  # run(values: dict, *, request, progress[, history])


def endpoint(task: TaskParams, run: RunFn, *, history: bool) -> Callable[..., Iterator[Any]]:
    """A Gradio generator handler for ``task``: ``handler(<inputs>, <settings>=None, [history=None,]
    request=None, progress=gr.Progress())`` calling ``run(values, [history=...,] request=..., progress=...)``."""
    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters = [inspect.Parameter(p.name, positional) for p in task.inputs]
    parameters += [inspect.Parameter(p.name, positional, default=None) for p in task.on("api")]
    extras = (["history"] if history else []) + ["request", "progress"]
    if history:
        parameters.append(inspect.Parameter("history", positional, default=None))
    parameters += [inspect.Parameter("request", positional, default=None),
                   inspect.Parameter("progress", positional, default=gr.Progress())]
    signature = inspect.Signature(parameters)

    def handler(*args: Any, **kwargs: Any) -> Iterator[Any]:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        values = dict(bound.arguments)
        special = {name: values.pop(name) for name in extras}
        yield from run(values, **special)

    handler.__signature__ = signature  # type: ignore[attr-defined]
    handler.__name__ = handler.__qualname__ = task.api_name
    handler.__doc__ = docstring(task)
    handler.__annotations__ = {
        **{p.name: p.python_type for p in task.inputs},
        **{p.name: p.python_type | None for p in task.on("api")},
        "request": gr.Request,  # how Gradio knows to pass the request (and not show it in the API)
        "return": Iterator[Any],
    }
    return handler


FILES_NOTE = ("A file is sent as an http(s) URL, a data: URI, or a file of this app: POST it to /gradio_api/upload "
              "and pass <app URL>/gradio_api/file=<the path it returns> (a file an earlier call answered works too).")


def docstring(task: TaskParams) -> str:
    """The endpoint's description, its parameters' help with what each takes (:func:`takes`) and what
    it returns, in the layout Gradio (and its MCP server, whose tool list an agent reads) reads."""
    params = (*task.inputs, *task.on("api"))
    files = any(p.kind in ("image", "video", "media", "files") or p.name in ("audio", "image", "video", "inputs", "join")
                for p in params)
    lines = [task.description + (" " + FILES_NOTE if files else ""), "", "Args:"]
    lines += [f"    {p.name}: {p.help}{takes(p)}" for p in params]
    lines += ["Returns:", f"    {task.returns}"]
    return "\n".join(lines)


def plain(value: float) -> str:
    """A number as written: 4294967295, not 4.29497e+09; 0.01."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def takes(param: Param) -> str:
    """What ``param`` takes, said after its help: its range, its choices, its default."""
    low, high = param.minimum, param.maximum
    if param.kind in ("int", "float") and low is not None and high is not None:
        kind = "a whole number" if param.kind == "int" else "a number"
        unset = "" if param.default is None else f"; default {plain(param.default)}"
        return f" [{kind} from {plain(low)} to {plain(high)}{unset}]"
    if param.kind == "choice" and param.choices:
        return f" [one of {', '.join(param.choices)}; default {param.default}]"
    if param.kind == "flag":
        return f" [true or false; default {str(bool(param.default)).lower()}]"
    return ""


def named_inputs(task: TaskParams, components: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    """The components for ``task``'s handler by parameter name, in the API's order, then ``extra``
    (e.g. ``history=``). A parameter without a component is an error in the tab, said at build time."""
    names = [p.name for p in (*task.inputs, *task.on("api"))]
    missing = [name for name in names if name not in components]
    if missing:
        raise KeyError(f"the {task.api_name} tab has no component for {', '.join(missing)}")
    return {**{name: components[name] for name in names}, **extra}
