"""The Edit tab's texts in Chinese (merged into :data:`videogen.ui.i18n.ZH_CN`): the tab's fixed
texts, its status lines, and the edit recipe's progress messages."""

from __future__ import annotations

ZH_EDIT: dict[str, str] = {
    # -- the tab -------------------------------------------------------------------------------
    "Edit": "编辑",
    "none": "无",
    "off": "关",
    "normal": "正常",
    "START:END, e.g. 1.5:4": "START:END，例如 1.5:4",
    "Blank: the offline ones. Each model does its own operation.": "不选：使用离线模型。每个模型做它自己的操作。",
    "Edited": "编辑结果",
    "Before | after (the middle frame)": "编辑前 | 编辑后（中间一帧）",
    "What was done": "所做的操作",
    "Edit this clip": "编辑这段视频",
    # -- Content Credentials (videogen.ui.credentials), under the Edit and Action Recognition tabs' video -------
    "**Content Credentials:** none (the file carries no C2PA manifest).": "**内容凭证**：无（文件中没有 C2PA 清单）。",
    "**Content Credentials:** signed by {signer}": "**内容凭证**：由 {signer} 签名",
    "AI-generated ({source})": "AI 生成（{source}）",
    "not marked as AI-generated": "未标明为 AI 生成",
    "model {model}": "模型 {model}",
    "seed {seed}": "种子 {seed}",
    "valid": "有效",
    "INVALID: changed after it was signed, or its manifest is damaged": "无效：文件在签名后被改动过，或清单已损坏",
    "(Its signer is on no trust list this app knows: valid, not vouched for.)":
        "（签名者不在本应用所知的任何信任列表上：签名有效，但未获担保。）",
    "Issues: {issues}": "问题：{issues}",
    "Content Credentials": "内容凭证",
    # -- the looks (videogen.edit.restyle.STYLES) and the models' operations -------------------
    "a watercolour-like painting: flat colour regions, soft edges (OpenCV stylization)":
        "水彩画般的绘画：平涂的色块，柔和的边缘（OpenCV stylization）",
    "a colour pencil sketch: strokes tinted with the picture's colours (OpenCV pencilSketch)":
        "彩色铅笔素描：笔触带有画面本身的颜色（OpenCV pencilSketch）",
    "a graphite pencil sketch on white paper (OpenCV pencilSketch, grey)": "白纸上的石墨铅笔素描（OpenCV pencilSketch，灰度）",
    "edge-preserving smoothing: surfaces and skin smoothed, edges kept (OpenCV edgePreservingFilter)":
        "保边平滑：表面与皮肤变得平滑，边缘保留（OpenCV edgePreservingFilter）",
    "a faded warm film grade: lifted blacks, soft highlights, warmer and less saturated":
        "褪色的暖调胶片调色：提亮的暗部，柔和的高光，更暖、饱和度更低",
    "the blockbuster grade: shadows pushed to teal, highlights and skin to orange": "大片调色：阴影偏青，高光与肤色偏橙",
    "high-contrast black-and-white": "高对比度黑白",
    "frame interpolation": "插帧",
    "upscaling": "放大",
    "restyling": "重绘",
    "e.g. a watercolour painting": "例如：一幅水彩画",
    "default 0.6": "默认 0.6",
    # -- its status lines ----------------------------------------------------------------------
    "Upload a video first, or pick a clip in another tab's history and press Edit this clip.":
        "请先上传视频，或在其他标签页的历史记录中选择一段视频并点击“编辑这段视频”。",
    "In: {frames} frames, {width}×{height} at {fps:g} fps.": "输入：{frames} 帧，{width}×{height}，{fps:g} 帧/秒。",
    "Out: {frames} frames, {width}×{height} at {fps:g} fps, {duration:g} s.":
        "输出：{frames} 帧，{width}×{height}，{fps:g} 帧/秒，{duration:g} 秒。",
    "Done: {operations}.": "已完成：{operations}。",
    "re-encoded only": "仅重新编码",
    "Read {read:.1f} s · edit {edit:.1f} s · encode {encode:.1f} s.": "读取 {read:.1f} 秒 · 编辑 {edit:.1f} 秒 · 编码 {encode:.1f} 秒。",
    "The edit failed unexpectedly ({error}). Try other operations or a shorter video; the server log has the details.":
        "编辑意外失败（{error}）。请换用其他操作或更短的视频；服务器日志中有详细信息。",
    # -- the recipe's progress messages (videogen.edit) ----------------------------------------
    "Interpolating: pair {done}/{total}": "插帧：第 {done}/{total} 对",
    "Upscaling: frame {done}/{total}": "放大：第 {done}/{total} 帧",
    "Restyling: frame {done}/{total}": "换风格：第 {done}/{total} 帧",
    "Restyling: step {done}/{total}": "重绘：第 {done}/{total} 步",
}
