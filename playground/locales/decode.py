"""Prefill and decode tab."""

EN = {
    "tab.decode": "Prefill and decode",
    "decode.explain": "### Two phases, four numbers\n**Prefill** runs the whole prompt through the model in one forward pass and stores every token's keys and values in the **KV cache**; it ends with the first new token, so its time is the **time to first token (TTFT)**. **Decode** then makes one forward pass per new token: the **time per output token (TPOT)**. **Throughput** is tokens per second, and **memory** is the weights plus the KV cache.\n\nWith the cache, a decode step computes keys and values for the new token only and reads the rest, so each step costs about the same. Without it, every step re-runs the whole sequence: the same tokens, but each step slower than the last. The cache trades memory (it grows linearly, the same bytes per token) for that speed. Batching several requests shares each read of the weights, so the total throughput rises while each request gets a little slower.",
    "decode.prompt": "Prompt",
    "decode.chat": "Wrap in the chat template",
    "decode.new_tokens": "New tokens",
    "decode.run": "Measure both (cache on and off)",
    "decode.throughput_run": "Measure throughput by batch size",
    "decode.cache_on": "KV cache on",
    "decode.cache_off": "KV cache off",
    "decode.empty": "Press **Measure** to time one generation with the KV cache and without it.",
    "decode.metrics": "| | {on} | {off} |\n|---|---|---|\n| time to first token (prefill) | {ttft_on:.0f} ms | {ttft_off:.0f} ms |\n| time per output token (mean of the {steps} after the first) | {tpot_on:.1f} ms | {tpot_off:.1f} ms |\n| last decode step | {last_on:.1f} ms | {last_off:.1f} ms |\n| tokens/s | {tps_on:.1f} | {tps_off:.1f} |\n\nSame {tokens} tokens both ways: **{same}**. The KV cache ends at **{kv:,} bytes** for {cached} tokens, = 2 x {layers} layers x {kv_heads} KV heads x {head_dim} x {dtype} bytes x {cached} tokens (formula: {formula:,} bytes, {match}). Measured on this machine, {threads} threads; each number is one run.",
    "decode.same_yes": "yes",
    "decode.same_no": "no",
    "decode.match_yes": "equal",
    "decode.match_no": "different",
    "decode.throughput_note": "{steps} decode steps per batch size, prefill excluded, measured on this machine.",
}

TE = {
    "tab.decode": "ప్రీఫిల్ మరియు డీకోడ్",
    "decode.explain": "### రెండు దశలు, నాలుగు సంఖ్యలు\n**ప్రీఫిల్** (prefill) మొత్తం ప్రాంప్ట్‌ను ఒకే ఫార్వర్డ్ పాస్‌లో (forward pass) మోడల్ ద్వారా నడిపి, ప్రతి టోకెన్ కీలు, వాల్యూలను **KV కాష్** (KV cache) లో దాచుతుంది; అది మొదటి కొత్త టోకెన్‌తో ముగుస్తుంది, కాబట్టి దాని సమయమే **టైమ్ టు ఫస్ట్ టోకెన్ (TTFT)**. తర్వాత **డీకోడ్** (decode) ప్రతి కొత్త టోకెన్‌కు ఒక ఫార్వర్డ్ పాస్ చేస్తుంది: దాని సమయం **టైమ్ పర్ అవుట్పుట్ టోకెన్ (TPOT)**. **త్రూపుట్** (throughput) అంటే సెకనుకు టోకెన్‌లు; **మెమరీ** అంటే మోడల్ వెయిట్‌లు, KV కాష్ కలిపి ఆక్రమించే స్థలం.\n\nకాష్ ఉంటే, ఒక డీకోడ్ దశ కొత్త టోకెన్‌కు మాత్రమే కీలు, వాల్యూలను గణించి మిగతావాటిని చదువుతుంది, కాబట్టి ప్రతి దశకు దాదాపు ఒకే ఖర్చు. కాష్ లేకుంటే, ప్రతి దశ మొత్తం సీక్వెన్స్‌ను మళ్లీ నడుపుతుంది: అవే టోకెన్‌లు, కానీ ప్రతి దశ ముందరి దశ కంటే నెమ్మది. ఆ వేగం కోసం కాష్ మెమరీని ఖర్చు చేస్తుంది (అది రేఖీయంగా, అంటే ఒక్కో టోకెన్‌కు అవే బైట్‌లు చొప్పున పెరుగుతుంది). అనేక అభ్యర్థనలను ఒకే బ్యాచ్‌గా (batching) నడిపితే వెయిట్‌లను చదివే ప్రతిసారీ అవన్నీ పంచుకుంటాయి, కాబట్టి మొత్తం త్రూపుట్ పెరుగుతుంది, ఒక్కో అభ్యర్థన మాత్రం కొంచెం నెమ్మదిస్తుంది.",
    "decode.prompt": "ప్రాంప్ట్",
    "decode.chat": "చాట్ టెంప్లేట్‌లో చుట్టు",
    "decode.new_tokens": "కొత్త టోకెన్‌లు",
    "decode.run": "రెండూ కొలుచు (కాష్ ఆన్, ఆఫ్)",
    "decode.throughput_run": "బ్యాచ్ పరిమాణం వారీగా త్రూపుట్ కొలుచు",
    "decode.cache_on": "KV కాష్ ఆన్",
    "decode.cache_off": "KV కాష్ ఆఫ్",
    "decode.empty": "ఒక జనరేషన్‌ను KV కాష్‌తో, అది లేకుండా కొలవడానికి **కొలుచు** నొక్కండి.",
    "decode.metrics": "| | {on} | {off} |\n|---|---|---|\n| టైమ్ టు ఫస్ట్ టోకెన్ (ప్రీఫిల్) | {ttft_on:.0f} ms | {ttft_off:.0f} ms |\n| టైమ్ పర్ అవుట్పుట్ టోకెన్ (మొదటిది కాక మిగిలిన {steps} టోకెన్‌ల సగటు) | {tpot_on:.1f} ms | {tpot_off:.1f} ms |\n| చివరి డీకోడ్ దశ | {last_on:.1f} ms | {last_off:.1f} ms |\n| టోకెన్‌లు/సె | {tps_on:.1f} | {tps_off:.1f} |\n\nరెండు విధాలుగానూ అవే {tokens} టోకెన్‌లు: **{same}**. {cached} టోకెన్‌లకు KV కాష్ చివరికి **{kv:,} బైట్‌లు** = 2 x {layers} లేయర్‌లు x {kv_heads} KV హెడ్‌లు x {head_dim} x {dtype} బైట్‌లు x {cached} టోకెన్‌లు (సూత్రం: {formula:,} బైట్‌లు, {match}). ఈ మెషీన్‌పై {threads} థ్రెడ్‌లతో కొలిచాం; ప్రతి సంఖ్య ఒక్కసారి నడిపిన ఫలితం.",
    "decode.same_yes": "అవును",
    "decode.same_no": "కాదు",
    "decode.match_yes": "సమానం",
    "decode.match_no": "వేరు",
    "decode.throughput_note": "ప్రతి బ్యాచ్ పరిమాణానికి {steps} డీకోడ్ దశలు, ప్రీఫిల్ మినహాయించి, ఈ మెషీన్‌పై కొలిచాం.",
}
