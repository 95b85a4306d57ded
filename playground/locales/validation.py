"""Sentences for input a user can fix: each says what is wrong and what to change.

Raised as ``SomeError("error.area.what", **values)`` (a UserError) where a request is checked;
numbers out of range are checked by ``playground/validate.py`` with the ``safety.param.*`` sentences.
"""

EN = {
    # prompts.py
    "error.prompt.empty": "The prompt is empty. Type some text for the model to continue.",
    "error.prompt.too_long": "The prompt is {tokens:,} tokens long; this tab takes at most {cap:,} (the model's context is {context:,}). Shorten it and try again.",
    # tokens.py
    "error.tokenize.too_long": "The text has {chars:,} characters; the explorer takes at most {limit:,}. Shorten it and try again.",
    # generation.py
    "error.generation.min_new_tokens": "Min new tokens ({min_new}) must be between 0 and max new tokens ({max_new}).",
    "error.generation.stop_strings": "Give at most {limit} stop strings.",
    # attention.py
    "error.attention.too_long": "The prompt is {tokens:,} tokens; attention maps are drawn for at most {limit:,}. Their memory grows with the square of the length: {layers} layers x {heads} heads x {tokens:,}² weights = {mib:,.0f} MiB. Shorten the prompt.",
    # cost.py
    "error.cost.no_lengths": "Give at least one context length, e.g. 64, 256, 1024.",
    "error.cost.not_a_number": "{value!r} is not a whole number of tokens; give lengths like 64, 256, 1024.",
    "error.cost.length_range": "Context length {value} is out of range: give lengths from 1 to {limit:,} tokens.",
    "error.cost.too_many_lengths": "Give at most {limit} context lengths.",
}

TE = {
    "error.prompt.empty": "ప్రాంప్ట్ (prompt) ఖాళీగా ఉంది. మోడల్ కొనసాగించడానికి కొంత వచనం టైప్ చేయండి.",
    "error.prompt.too_long": "ప్రాంప్ట్ {tokens:,} టోకెన్‌లు ఉంది; ఈ ట్యాబ్ గరిష్టంగా {cap:,} టోకెన్‌లు మాత్రమే తీసుకుంటుంది (మోడల్ కాంటెక్స్ట్ లెంగ్త్ {context:,}). ప్రాంప్ట్‌ను చిన్నదిగా చేసి మళ్ళీ ప్రయత్నించండి.",
    "error.tokenize.too_long": "వచనంలో {chars:,} అక్షరాలు ఉన్నాయి; ఎక్స్‌ప్లోరర్ గరిష్టంగా {limit:,} అక్షరాలు మాత్రమే తీసుకుంటుంది. వచనాన్ని చిన్నదిగా చేసి మళ్ళీ ప్రయత్నించండి.",
    "error.generation.min_new_tokens": "కనిష్ట కొత్త టోకెన్‌లు ({min_new}) 0 నుండి గరిష్ట కొత్త టోకెన్‌లు ({max_new}) మధ్య ఉండాలి.",
    "error.generation.stop_strings": "గరిష్టంగా {limit} స్టాప్ స్ట్రింగ్‌లు మాత్రమే ఇవ్వండి.",
    "error.attention.too_long": "ప్రాంప్ట్ {tokens:,} టోకెన్‌లు ఉంది; అటెన్షన్ మ్యాప్‌లు గరిష్టంగా {limit:,} టోకెన్‌ల వరకే గీస్తాం. వాటి మెమరీ పొడవు యొక్క వర్గంతో (square) పెరుగుతుంది: {layers} లేయర్‌లు x {heads} హెడ్‌లు x {tokens:,}² వెయిట్‌లు = {mib:,.0f} MiB. ప్రాంప్ట్‌ను చిన్నదిగా చేయండి.",
    "error.cost.no_lengths": "కనీసం ఒక కాంటెక్స్ట్ లెంగ్త్ ఇవ్వండి, ఉదా. 64, 256, 1024.",
    "error.cost.not_a_number": "{value!r} టోకెన్‌ల పూర్ణ సంఖ్య కాదు; 64, 256, 1024 లాంటి పొడవులు ఇవ్వండి.",
    "error.cost.length_range": "కాంటెక్స్ట్ లెంగ్త్ {value} పరిధి దాటింది: 1 నుండి {limit:,} టోకెన్‌ల మధ్య పొడవులు ఇవ్వండి.",
    "error.cost.too_many_lengths": "గరిష్టంగా {limit} కాంటెక్స్ట్ లెంగ్త్‌లు మాత్రమే ఇవ్వండి.",
}
