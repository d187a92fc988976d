"""The Compose tab's texts in Chinese (merged into :data:`videogen.ui.i18n.ZH_CN`): the tab's fixed
texts, its status lines, and the composition's progress messages; and the generation tabs' "Sound"
accordion's."""

from __future__ import annotations

ZH_COMPOSE: dict[str, str] = {
    # -- the tab -------------------------------------------------------------------------------
    "Compose": "合成",
    "Composition": "合成结果",
    "What was made": "生成的内容",
    "what the voice says": "要朗读的文字",
    "one line per scene": "每行一个场景",
    "auto": "自动",
    # -- the generation tabs' "Sound" accordion (its settings' labels and help: the settings table) --
    "Sound": "声音",
    "none: the audio file, or silence": "不填：使用音频文件，或无声",
    "e.g. calm piano music": "例如：舒缓的钢琴曲",
    # -- its status lines ----------------------------------------------------------------------
    "Upload photos or clips first, or write a story (one line per scene).": "请先上传照片或片段，或写一个故事（每行一个场景）。",
    "Made: {frames} frames, {width}×{height} at {fps:g} fps, {duration:g} s, {shots} shots.":
        "已生成：{frames} 帧，{width}×{height}，{fps:g} 帧/秒，{duration:g} 秒，{shots} 个镜头。",
    "Sound: {sound}.": "声音：{sound}。",
    "{on} of {cuts} cuts on the beat ({found} beats found).": "{cuts} 个剪辑点中有 {on} 个在节拍上（找到 {found} 个节拍）。",
    "The composition failed unexpectedly ({error}). Try other photos or settings; the server log has the details.":
        "合成意外失败（{error}）。请换用其他照片或设置；服务器日志中有详细信息。",
    # -- the recipe's progress messages (videogen.compose) -------------------------------------
    "Composing: frame {done}/{total}": "合成：第 {done}/{total} 帧",
}
