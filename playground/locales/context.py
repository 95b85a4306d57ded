"""Context-length cost tab."""

EN = {
    "tab.context": "Context-length cost",
    "context.explain": "### What a long context costs\nEach measurement runs the model at one context length (a natural text cut to that many tokens): the prefill of the whole context, one decode step with the KV cache, and one without it (a forward pass over every token). Prefill and cache-less decoding grow with the length (their attention part quadratically); a cached decode step stays nearly flat. The KV cache grows *linearly*; only eager attention's score matrix ($\\text{{heads}} \\times T^2$ per layer) is quadratic.\n\nBelow, the same formulas project to large models and 1M-token contexts. {model} ({heads} query heads, {kv_heads} KV heads) and most recent models use grouped-query attention: the cache counts **KV heads**, not query heads.",
    "context.lengths": "Context lengths (tokens, comma separated)",
    "context.repeats": "Repeats (median of n)",
    "context.log_axes": "Logarithmic axes",
    "context.run": "Measure",
    "context.empty": "Press **Measure** to time the model at each context length.",
    "context.none_kept": "No measurement is kept for this page (none yet, or it was dropped after {minutes:.0f} minutes unused): press **Measure** to draw it again.",
    "context.method": "{method}. The measured KV cache equals the formula at every length: **{match}**.",
    "context.method_line": "median of {repeats} run(s) per length on this machine ({threads} threads)",
    "context.progress": "{tokens:,} tokens",
    "context.not_reached": (
        "\n\n**Not measured: {lengths} tokens.** The sweep stopped at {limit:g} seconds, the most one "
        "request may hold the shared model; what was measured is drawn. Ask for those lengths alone, "
        "or with fewer repeats."
    ),
    "context.csv": "Download the numbers (CSV)",
    "context.projection_heading": "Projected to large models",
    "context.models": "Models",
    "context.weight_dtype": "Weights",
    "context.kv_dtype": "KV cache",
    "context.dtype_4bit": "4-bit",
    "context.batch": "Batch size (sequences at once)",
    "context.sources": "Each model's numbers come from its config.json: {links}.",
    "context.col.model": "model",
    "context.col.context": "context tokens",
    "context.col.weights": "weights (GiB)",
    "context.col.kv": "KV cache (GiB)",
    "context.col.total": "total (GiB)",
    "context.col.fits": "fits on",
    "context.fits_none": "none of these",
    "context.beyond": " (beyond its context window)",
    "context.progress.waiting": "Waiting for the model to be free: a timing runs alone...",
}

TE = {
    "tab.context": "కాంటెక్స్ట్ లెంగ్త్ ఖర్చు",
    "context.explain": "### పొడవైన కాంటెక్స్ట్‌కు ఎంత ఖర్చు\nప్రతి కొలత మోడల్‌ను ఒక కాంటెక్స్ట్ లెంగ్త్ (context length) వద్ద నడుపుతుంది (సహజమైన టెక్స్ట్‌ను సరిగ్గా ఆ సంఖ్య టోకెన్‌లకు కత్తిరించి): మొత్తం కాంటెక్స్ట్ ప్రీఫిల్ (prefill), KV కాష్ (KV cache) తో ఒక డీకోడ్ (decode) దశ, అది లేకుండా ఒకటి (ప్రతి టోకెన్‌పై ఒక ఫార్వర్డ్ పాస్). ప్రీఫిల్, కాష్ లేని డీకోడింగ్ పొడవుతో పాటు పెరుగుతాయి (వాటిలోని అటెన్షన్ భాగం వర్గానుపాతంలో, quadratically); కాష్‌తో చేసే డీకోడ్ దశ దాదాపు స్థిరంగా ఉంటుంది. KV కాష్ *రేఖీయంగా* (linearly) పెరుగుతుంది; ఈగర్ అటెన్షన్ (eager attention: స్కోర్లన్నిటినీ ఒకేసారి మెమరీలో ఉంచే సాధారణ అమలు) స్కోర్ మ్యాట్రిక్స్ (ఒక్కో లేయర్‌కు $\\text{{heads}} \\times T^2$) మాత్రమే వర్గానుపాతంలో పెరుగుతుంది.\n\nకింద, అవే సూత్రాలు పెద్ద మోడల్స్‌కు, 1M-టోకెన్ కాంటెక్స్ట్‌లకు అంచనా వేస్తాయి. {model} ({heads} క్వెరీ హెడ్‌లు, {kv_heads} KV హెడ్‌లు) తో సహా ఇటీవలి చాలా మోడల్స్ గ్రూప్డ్-క్వెరీ అటెన్షన్ (grouped-query attention) వాడతాయి: కాష్ పరిమాణం **KV హెడ్‌ల** సంఖ్యపై ఆధారపడుతుంది, క్వెరీ హెడ్‌లపై కాదు.",
    "context.lengths": "కాంటెక్స్ట్ లెంగ్త్‌లు (టోకెన్‌లు, కామాలతో వేరు చేసి)",
    "context.repeats": "పునరావృత్తులు (n సార్ల మధ్యగతం)",
    "context.log_axes": "లాగరిథమిక్ అక్షాలు",
    "context.run": "కొలుచు",
    "context.empty": "ప్రతి కాంటెక్స్ట్ లెంగ్త్ వద్ద మోడల్ సమయాన్ని కొలవడానికి **కొలుచు** నొక్కండి.",
    "context.none_kept": "ఈ పేజీ కోసం ఏ కొలతా నిల్వలో లేదు (ఇంకా కొలవలేదు, లేదా {minutes:.0f} నిమిషాలు వాడకపోవడంతో తొలగించబడింది): దాన్ని మళ్లీ గీయడానికి **కొలుచు** నొక్కండి.",
    "context.method": "{method}. కొలిచిన KV కాష్ ప్రతి పొడవు వద్ద సూత్రానికి సమానం: **{match}**.",
    "context.method_line": "ఈ మెషీన్‌పై ({threads} థ్రెడ్‌లు) ఒక్కో పొడవుకు {repeats} సార్లు నడిపిన మధ్యగతం",
    "context.progress": "{tokens:,} టోకెన్‌లు",
    "context.not_reached": (
        "\n\n**కొలవలేదు: {lengths} టోకెన్‌లు.** ఒక అభ్యర్థన పంచుకున్న మోడల్‌ను పట్టుకోగల గరిష్ఠ సమయం "
        "{limit:g} సెకన్‌ల వద్ద స్వీప్ ఆగింది; కొలిచినవి గీయబడ్డాయి. ఆ పొడవులను విడిగా, లేదా తక్కువ "
        "పునరావృతాలతో అడగండి."
    ),
    "context.csv": "సంఖ్యలను డౌన్లోడ్ చేయండి (CSV)",
    "context.projection_heading": "పెద్ద మోడల్స్‌కు అంచనా",
    "context.models": "మోడల్స్",
    "context.weight_dtype": "వెయిట్‌లు",
    "context.kv_dtype": "KV కాష్",
    "context.dtype_4bit": "4-బిట్",
    "context.batch": "బ్యాచ్ పరిమాణం (ఒకేసారి సీక్వెన్సులు)",
    "context.sources": "ప్రతి మోడల్ సంఖ్యలు దాని config.json నుండి వచ్చాయి: {links}.",
    "context.col.model": "మోడల్",
    "context.col.context": "కాంటెక్స్ట్ టోకెన్‌లు",
    "context.col.weights": "వెయిట్‌లు (GiB)",
    "context.col.kv": "KV కాష్ (GiB)",
    "context.col.total": "మొత్తం (GiB)",
    "context.col.fits": "సరిపోయే GPU",
    "context.fits_none": "వీటిలో ఏదీ కాదు",
    "context.beyond": " (దాని కాంటెక్స్ట్ విండో దాటింది)",
    "context.progress.waiting": "మోడల్ ఖాళీ అయ్యే వరకు ఎదురుచూస్తోంది: టైమింగ్ ఒంటరిగా నడుస్తుంది...",
}
