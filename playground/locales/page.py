"""The page around the tabs in either language: the language switch, example prompts, and the
tokenizer view's character brackets."""

EN = {
    "page.switch_label": "Language",
    "page.switch_title": "Show this page in {language}",
    "page.examples": "Examples",
    "page.char_group": "{chars} ({codes}): {bytes} UTF-8 bytes split across {tokens} tokens",
    "page.examples_note": "**Telugu prompts:** SmolLM2 saw little Telugu while it was trained, so it writes little Telugu: it often answers in English, or continues with bytes that are only pieces of Telugu letters. The same sentences take it {ratio:.0f} times as many tokens in Telugu as in English (see “{chart}” in the {tab} tab), so every step shown here costs more in Telugu.",
    "page.gradio.error": "Error",
    "page.gradio.warning": "Warning",
    "page.gradio.info": "Info",
    "page.gradio.success": "Success",
    "page.gradio.processing": "processing",
    "page.gradio.queue": "queue",
    "page.gradio.close": "Close",
    "page.gradio.complete": "Complete",
    "page.gradio.loading": "Loading",
}

TE = {
    "page.switch_label": "భాష",
    "page.switch_title": "ఈ పేజీని {language}లో చూపించు",
    "page.examples": "ఉదాహరణలు",
    "page.char_group": "{chars} ({codes}): {bytes} UTF-8 బైట్‌లు {tokens} టోకెన్‌లలో విడిపోయాయి",
    "page.examples_note": "**తెలుగు ప్రాంప్ట్‌లు:** SmolLM2 శిక్షణలో తెలుగును చాలా తక్కువగా చూసింది, అందుకే అది తెలుగు తక్కువగా రాస్తుంది: తరచుగా ఇంగ్లీషులో జవాబిస్తుంది, లేదా తెలుగు అక్షరాల ముక్కలైన బైట్‌లతో (bytes) కొనసాగుతుంది. అవే వాక్యాలకు తెలుగులో ఇంగ్లీషు కంటే {ratio:.0f} రెట్లు టోకెన్‌లు కావాలి ({tab} ట్యాబ్‌లో “{chart}” చూడండి), కాబట్టి ఇక్కడ చూపే ప్రతి దశ తెలుగులో ఎక్కువ ఖర్చవుతుంది.",
    "page.gradio.error": "లోపం",
    "page.gradio.warning": "హెచ్చరిక",
    "page.gradio.info": "సమాచారం",
    "page.gradio.success": "పూర్తయింది",
    "page.gradio.processing": "నడుస్తోంది",
    "page.gradio.queue": "క్యూ",
    "page.gradio.close": "మూసివేయి",
    "page.gradio.complete": "పూర్తయింది",
    "page.gradio.loading": "లోడ్ అవుతోంది",
}
