"""The Text to Video tab's Batch texts in Chinese (merged into :data:`videogen.ui.i18n.ZH_CN`)."""

from __future__ import annotations

ZH_BATCH: dict[str, str] = {
    "Batch": "批量",
    "Prompts": "提示词",
    "One prompt per line; or CSV / JSON Lines with a prompt column and any settings (seed, model, frames…)":
        "每行一个提示词；或带 prompt 列及任意设置（seed、model、frames…）的 CSV / JSON Lines",
    "Or a file": "或上传文件",
    "Run the batch": "运行批量任务",
    "The batch (ZIP)": "批量结果（ZIP）",
    "Batch: clip {index} of {total}": "批量：第 {index}/{total} 个片段",
    "done": "完成",
    "Clip": "片段",
    "Batch cancelled: {made} of {total} clips made; the rest were not started.":
        "批量任务已取消：已生成 {total} 个中的 {made} 个片段，其余未开始。",
    "Batch done: {made} of {total} clips made.": "批量任务完成：已生成 {total} 个中的 {made} 个片段。",
    "Write prompts in the Batch box or upload a list first.": "请先在批量框中写入提示词，或上传列表文件。",
}
