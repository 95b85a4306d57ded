"""Serving tab: continuous batching, the live traffic view, "Simulate a class"; budgets."""

EN = {
    "tab.serving": "Serving a class",
    "serving.explain": (
        "### Many learners, one model: continuous batching\n"
        "When a whole class presses **Generate**, every request goes through this one server. "
        "Served one at a time, the last learner waits for everybody else. But a decode step for one "
        "sequence reads every weight of the model to make one token, and a step for 30 sequences "
        "reads the same weights once to make 30: **batching** raises the total **throughput** "
        "(tokens per second for everyone) while each request gets only a little slower.\n\n"
        "This server does what TGI and vLLM do, **continuous batching** (iteration-level "
        "scheduling): at every step the scheduler lets finished requests leave, lets waiting ones "
        "join (their prompts are prefilled together, padded on the left with an attention mask), "
        "runs **one forward pass for every running request**, and each request picks its own next "
        "token with its own sampling settings, seed and stop rules. Nobody waits for a whole batch "
        "to finish. Below: the server's real traffic, and a class you can simulate."
    ),
    "serving.live_heading": "### This server, live",
    "serving.live_explain": (
        "Every request of the last {window} seconds, from every learner (anonymised: a number "
        "each). Yours have a black outline. Grey: waiting in the queue; orange: prefill (until the "
        "first token); blue: decoding."
    ),
    "serving.refresh": "Refresh",
    "serving.auto_refresh": "Refresh every {seconds:g} s",
    "serving.live_summary": (
        "Now: **{running}** request(s) in the batch, **{waiting}** waiting. Last {window} s: "
        "**{requests}** request(s) ({own} yours), **{steps}** decode steps, largest batch "
        "**{largest}**, **{tokens}** tokens made."
    ),
    "serving.live_empty": (
        "No generation in the last {window} seconds. Press **Generate** in the Logits to token tab "
        "(or ask a few friends to), then refresh. A simulated class (below) is not served here: it runs "
        "apart from the server's traffic, and its own chart shows it."
    ),
    "serving.simulate_heading": "### Simulate a class",
    "serving.simulate_explain": (
        "N learners press Generate at the same moment. The same N greedy requests (each makes "
        "exactly the tokens asked for) are served twice on this machine: **one at a time**, then "
        "**continuously batched**. TTFT (time to first token) counts the wait in the queue; TPOT "
        "is the mean time per output token after the first. Other learners' traffic shares the "
        "model meanwhile, step by step."
    ),
    "serving.sim_requests": "Learners (requests)",
    "serving.sim_prompt_tokens": "Prompt tokens each",
    "serving.sim_new_tokens": "New tokens each",
    "serving.simulate_run": "Simulate",
    "serving.simulate_empty": "Press **Simulate** to serve the class both ways and compare.",
    "serving.simulate_table": (
        "| | {alone} | {batched} |\n|---|---|---|\n"
        "| mean time to first token (TTFT) | {ttft_a:.2f} s | {ttft_b:.2f} s |\n"
        "| mean time per output token (TPOT) | {tpot_a:.0f} ms | {tpot_b:.0f} ms |\n"
        "| total time for the class | {total_a:.2f} s | {total_b:.2f} s |\n"
        "| throughput (all tokens / total time) | {tps_a:.1f} tokens/s | {tps_b:.1f} tokens/s |\n\n"
        "{n} requests x {new} new tokens, prompts of {prompt} tokens. Continuously batched, the "
        "class is served **{speedup:.1f}x** faster; each token takes a little longer, but nobody "
        "waits for the others to finish. Measured on this machine ({threads} threads), one run each."
    ),
    "serving.run_alone": "one at a time",
    "serving.run_batched": "continuously batched",
    "serving.waiting": "Waiting for a place in the batch (the server is busy with other learners)...",
    "serving.stop": "Stop",
    "serving.measured_alone": (
        "\n\n*Measured alone: the shared batch was paused while this ran "
        "(it waited {waited_ms:.0f} ms for the step in progress).*"
    ),
    "serving.chart.timeline_title": "Requests: waiting, prefill, decoding",
    "serving.chart.simulate_title": "The same class served two ways",
    "serving.chart.simulate_title_real": "The same class served {n} ways: ours two, then the real servers",
    "serving.chart.phase_waiting": "waiting",
    "serving.chart.phase_prefill": "prefill",
    "serving.chart.phase_decoding": "decoding",
    "serving.chart.request": "#{id}",
    "serving.chart.own_request": "#{id} (you)",
    "serving.chart.seconds_ago": "seconds (0 = now)",
    "serving.chart.seconds_since": "seconds since the class pressed Generate",
    "serving.chart.batch": "batch size",
    "serving.chart.step_ms": "decode step (ms)",
    "serving.chart.steps_title": "Batch size at each step, and time per step against batch size",
    "serving.chart.throughput_title": "Tokens per second: the whole server against one request",
    "serving.chart.total_tps": "server total",
    "serving.chart.request_tps": "one request",
    "serving.error.no_cache_budget": (
        "Without the KV cache every step re-runs the whole text, so the cost grows as prompt "
        "tokens x new tokens: {prompt} x {new} = {cost:,}, over this server's limit of {limit:,} "
        "(it is shared by the whole class). Ask for fewer new tokens or a shorter prompt, or turn "
        "the KV cache on."
    ),
    "serving.error.beam_deadline": (
        "Beam search ran past {limit:g} seconds, the most one request may hold the shared model, "
        "and was stopped. Ask for fewer beams or fewer new tokens."
    ),
    "serving.error.sweep_deadline": (
        "The context sweep ran past {limit:g} seconds, the most one request may hold the shared "
        "model, and was stopped. Give fewer or shorter context lengths, or fewer repeats."
    ),
    "serving.bench_heading": "### The same class on a production engine",
    "serving.bench_explain": (
        "A benchmark sends one class ({clients} learners x {tokens} new tokens each, chat prompts, a "
        "quarter of them greedy, the rest sampled) to this playground and to a real **vLLM** server for "
        "CPUs on the same weights and the same cores, one after the other, through the same OpenAI "
        "client. Measured {date} on `{machine}`{version}."
    ),
    "serving.bench_version": ", vLLM {version}",
    "serving.bench_table": (
        "| | all learners together | median wait (p50) | p95 | slowest | one request alone |\n"
        "|---|---|---|---|---|---|\n"
    ),
    "serving.bench_row": "| {path} | {tps:.1f} tokens/s | {p50:.1f} s | {p95:.1f} s | {max:.1f} s | {alone:.2f} s |\n",
    "serving.bench_path.vllm": "vLLM (its OpenAI API)",
    "serving.bench_path.v1": "this playground (its OpenAI API, /v1)",
    "serving.bench_path.pages": "this playground (its pages, as a browser asks)",
    "serving.bench_path.in_process": "this playground's scheduler (no web server)",
    "serving.bench_path.replica": "a playground replica's pages, every generation on that vLLM",
    "serving.bench_ratio": (
        "\nThrough /v1, this playground serves **{tps:.2f}x** vLLM's tokens per second, and its p95 "
        "wait is **{p95:.2f}x** vLLM's. The two schedulers do the same thing here: continuous batching "
        "of every learner's request, step by step."
    ),
    "serving.bench_none": (
        "No benchmark figures yet. Run `make bench` (or `python benchmarks/bench_vllm.py`) on this "
        "machine: it measures this playground against a real vLLM server on the same class, and the "
        "figures appear here after the next start."
    ),
    "serving.error.simulate_requests": "Simulate between 1 and {limit} learners.",
    "serving.error.simulate_prompt_tokens": "Prompt tokens must be between 1 and {limit}.",
    "serving.error.simulate_new_tokens": "New tokens must be between 1 and {limit}.",
    "serving.progress": "Simulating the class: the requests one after another, then in one batch...",
}

TE = {
    "tab.serving": "తరగతికి సర్వింగ్",
    "serving.explain": (
        "### చాలా మంది అభ్యాసకులు, ఒకే మోడల్: కంటిన్యూయస్ బ్యాచింగ్ (continuous batching)\n"
        "తరగతి అంతా ఒకేసారి **జనరేట్ చేయి** నొక్కితే, ప్రతి అభ్యర్థన (request) ఈ ఒక్క సర్వర్ గుండానే "
        "వెళ్తుంది. ఒక్కొక్కటిగా సర్వ్ చేస్తే, చివరి అభ్యాసకుడు మిగతా అందరి కోసం ఎదురుచూస్తాడు. కానీ ఒక "
        "సీక్వెన్స్ కోసం ఒక డీకోడ్ (decode) స్టెప్ మోడల్ బరువులన్నింటినీ చదివి ఒక టోకెన్ (token) "
        "ఇస్తుంది; 30 సీక్వెన్స్‌ల స్టెప్ అవే బరువులను ఒక్కసారే చదివి 30 టోకెన్‌లు ఇస్తుంది: "
        "**బ్యాచింగ్ (batching)** మొత్తం **థ్రూపుట్ (throughput)** (అందరికీ కలిపి సెకనుకు టోకెన్‌లు) "
        "పెంచుతుంది, ప్రతి అభ్యర్థన మాత్రం కొంచెమే నెమ్మదిస్తుంది.\n\n"
        "TGI, vLLM చేసేదే ఈ సర్వర్ చేస్తుంది, **కంటిన్యూయస్ బ్యాచింగ్** (ప్రతి స్టెప్ స్థాయిలో "
        "షెడ్యూలింగ్): ప్రతి స్టెప్‌లో షెడ్యూలర్ పూర్తయిన అభ్యర్థనలను బయటకు పంపుతుంది, ఎదురుచూస్తున్న "
        "వాటిని చేర్చుకుంటుంది (వాటి ప్రాంప్ట్‌లు కలిసి ప్రీఫిల్ (prefill) అవుతాయి, ఎడమవైపు ప్యాడింగ్, "
        "అటెన్షన్ (attention) మాస్క్‌తో), **నడుస్తున్న అన్ని అభ్యర్థనలకూ ఒకే ఫార్వర్డ్ పాస్** చేస్తుంది, "
        "ప్రతి అభ్యర్థన తన సొంత శాంప్లింగ్ (sampling) సెట్టింగ్‌లు, సీడ్, స్టాప్ నియమాలతో తన తర్వాతి "
        "టోకెన్ ఎంచుకుంటుంది. మొత్తం బ్యాచ్ పూర్తయ్యేదాకా ఎవరూ ఎదురుచూడరు. కింద: ఈ సర్వర్ నిజమైన "
        "ట్రాఫిక్, మరియు మీరు అనుకరించగల ఒక తరగతి."
    ),
    "serving.live_heading": "### ఈ సర్వర్, ప్రత్యక్షంగా",
    "serving.live_explain": (
        "గత {window} సెకన్‌లలో ప్రతి అభ్యాసకుడి ప్రతి అభ్యర్థన (పేర్లు లేకుండా: ఒక్కొక్కదానికి ఒక "
        "సంఖ్య). మీవాటికి నల్లని అంచు ఉంటుంది. బూడిద: క్యూలో ఎదురుచూపు; నారింజ: ప్రీఫిల్ (మొదటి "
        "టోకెన్ వరకు); నీలం: డీకోడింగ్."
    ),
    "serving.refresh": "రిఫ్రెష్",
    "serving.auto_refresh": "ప్రతి {seconds:g} సెకన్‌లకు రిఫ్రెష్",
    "serving.live_summary": (
        "ఇప్పుడు: బ్యాచ్‌లో **{running}** అభ్యర్థన(లు), ఎదురుచూస్తున్నవి **{waiting}**. గత {window} "
        "సెకన్‌లు: **{requests}** అభ్యర్థన(లు) (మీవి {own}), **{steps}** డీకోడ్ స్టెప్‌లు, అతిపెద్ద "
        "బ్యాచ్ **{largest}**, తయారైన టోకెన్‌లు **{tokens}**."
    ),
    "serving.live_empty": (
        "గత {window} సెకన్‌లలో ఏ జనరేషన్ జరగలేదు. లాజిట్స్ (logits) నుండి టోకెన్ ట్యాబ్‌లో **జనరేట్ చేయి** "
        "నొక్కండి (లేదా కొందరు స్నేహితులను నొక్కమనండి), తర్వాత రిఫ్రెష్ చేయండి. కింద అనుకరించిన తరగతి "
        "ఇక్కడ సర్వ్ కాదు: అది సర్వర్ ట్రాఫిక్‌కు వేరుగా నడుస్తుంది, దాని సొంత చార్ట్‌లో కనిపిస్తుంది."
    ),
    "serving.simulate_heading": "### ఒక తరగతిని అనుకరించండి",
    "serving.simulate_explain": (
        "N మంది అభ్యాసకులు ఒకే క్షణంలో “జనరేట్ చేయి” నొక్కుతారు. అవే N గ్రీడీ అభ్యర్థనలు (ప్రతిదీ అడిగినన్ని "
        "టోకెన్‌లే తయారుచేస్తుంది) ఈ యంత్రంపై రెండుసార్లు సర్వ్ అవుతాయి: **ఒక్కొక్కటిగా**, తర్వాత "
        "**కంటిన్యూయస్ బ్యాచింగ్‌తో**. TTFT (మొదటి టోకెన్ వరకు సమయం) క్యూలో ఎదురుచూపును కూడా "
        "లెక్కిస్తుంది; TPOT మొదటిది కాక మిగతా ప్రతి అవుట్‌పుట్ టోకెన్‌కు సగటు సమయం. ఈలోగా ఇతర "
        "అభ్యాసకుల ట్రాఫిక్ కూడా స్టెప్ వారీగా మోడల్‌ను పంచుకుంటుంది."
    ),
    "serving.sim_requests": "అభ్యాసకులు (అభ్యర్థనలు)",
    "serving.sim_prompt_tokens": "ఒక్కో ప్రాంప్ట్ టోకెన్‌లు",
    "serving.sim_new_tokens": "ఒక్కో దానికి కొత్త టోకెన్‌లు",
    "serving.simulate_run": "అనుకరించు",
    "serving.simulate_empty": "తరగతిని రెండు విధాలుగా సర్వ్ చేసి పోల్చడానికి **అనుకరించు** నొక్కండి.",
    "serving.simulate_table": (
        "| | {alone} | {batched} |\n|---|---|---|\n"
        "| మొదటి టోకెన్ వరకు సగటు సమయం (TTFT) | {ttft_a:.2f} s | {ttft_b:.2f} s |\n"
        "| ఒక్కో అవుట్‌పుట్ టోకెన్‌కు సగటు సమయం (TPOT) | {tpot_a:.0f} ms | {tpot_b:.0f} ms |\n"
        "| తరగతి మొత్తానికి సమయం | {total_a:.2f} s | {total_b:.2f} s |\n"
        "| థ్రూపుట్ (అన్ని టోకెన్‌లు / మొత్తం సమయం) | {tps_a:.1f} టోకెన్‌లు/s | {tps_b:.1f} టోకెన్‌లు/s |\n\n"
        "{n} అభ్యర్థనలు x {new} కొత్త టోకెన్‌లు, {prompt} టోకెన్‌ల ప్రాంప్ట్‌లు. కంటిన్యూయస్ బ్యాచింగ్‌తో "
        "తరగతి **{speedup:.1f}x** వేగంగా సర్వ్ అవుతుంది; ప్రతి టోకెన్‌కు కొంచెం ఎక్కువ సమయం పడుతుంది, "
        "కానీ ఎవరూ మిగతావారు పూర్తయ్యేదాకా ఎదురుచూడరు. ఈ యంత్రంపై కొలిచినది ({threads} థ్రెడ్‌లు), "
        "ఒక్కో విధానానికి ఒకసారి."
    ),
    "serving.run_alone": "ఒక్కొక్కటిగా",
    "serving.run_batched": "కంటిన్యూయస్ బ్యాచింగ్",
    "serving.waiting": "బ్యాచ్‌లో చోటు కోసం ఎదురుచూస్తోంది (సర్వర్ ఇతర అభ్యాసకులతో బిజీగా ఉంది)...",
    "serving.stop": "ఆపు",
    "serving.measured_alone": (
        "\n\n*ఒంటరిగా కొలిచినది: ఇది నడిచేటప్పుడు పంచుకున్న బ్యాచ్ ఆపివేయబడింది "
        "(నడుస్తున్న స్టెప్ కోసం {waited_ms:.0f} ms ఎదురుచూసింది).*"
    ),
    "serving.chart.timeline_title": "అభ్యర్థనలు: ఎదురుచూపు, ప్రీఫిల్, డీకోడింగ్",
    "serving.chart.simulate_title": "అదే తరగతి రెండు విధాలుగా సర్వ్ అయింది",
    "serving.chart.simulate_title_real": "అదే తరగతి {n} విధాలుగా సర్వ్ అయింది: మనవి రెండు, తర్వాత నిజమైన సర్వర్‌లు",
    "serving.chart.phase_waiting": "ఎదురుచూపు",
    "serving.chart.phase_prefill": "ప్రీఫిల్",
    "serving.chart.phase_decoding": "డీకోడింగ్",
    "serving.chart.request": "#{id}",
    "serving.chart.own_request": "#{id} (మీది)",
    "serving.chart.seconds_ago": "సెకన్‌లు (0 = ఇప్పుడు)",
    "serving.chart.seconds_since": "తరగతి “జనరేట్ చేయి” నొక్కినప్పటి నుండి సెకన్‌లు",
    "serving.chart.batch": "బ్యాచ్ పరిమాణం",
    "serving.chart.step_ms": "డీకోడ్ స్టెప్ (ms)",
    "serving.chart.steps_title": "ప్రతి స్టెప్‌లో బ్యాచ్ పరిమాణం, మరియు బ్యాచ్ పరిమాణంతో పోల్చి స్టెప్ సమయం",
    "serving.chart.throughput_title": "సెకనుకు టోకెన్‌లు: మొత్తం సర్వర్ వర్సెస్ ఒక అభ్యర్థన",
    "serving.chart.total_tps": "సర్వర్ మొత్తం",
    "serving.chart.request_tps": "ఒక అభ్యర్థన",
    "serving.error.no_cache_budget": (
        "KV కాష్ (KV cache) లేకుండా ప్రతి స్టెప్ మొత్తం టెక్స్ట్‌ను మళ్లీ నడుపుతుంది, కాబట్టి ఖర్చు "
        "ప్రాంప్ట్ టోకెన్‌లు x కొత్త టోకెన్‌లుగా పెరుగుతుంది: {prompt} x {new} = {cost:,}, ఇది ఈ సర్వర్ "
        "పరిమితి {limit:,} కంటే ఎక్కువ (సర్వర్‌ను తరగతి అంతా పంచుకుంటుంది). తక్కువ కొత్త టోకెన్‌లు లేదా "
        "చిన్న ప్రాంప్ట్ ఇవ్వండి, లేదా KV కాష్ ఆన్ చేయండి."
    ),
    "serving.error.beam_deadline": (
        "బీమ్ సెర్చ్ (beam search) {limit:g} సెకన్‌లు దాటింది, ఒక అభ్యర్థన పంచుకున్న మోడల్‌ను పట్టుకోగల "
        "గరిష్ఠ సమయం ఇదే, అందుకే ఆపివేయబడింది. తక్కువ బీమ్‌లు లేదా తక్కువ కొత్త టోకెన్‌లు అడగండి."
    ),
    "serving.error.sweep_deadline": (
        "కాంటెక్స్ట్ లెంగ్త్ (context length) స్వీప్ {limit:g} సెకన్‌లు దాటింది, ఒక అభ్యర్థన పంచుకున్న "
        "మోడల్‌ను పట్టుకోగల గరిష్ఠ సమయం ఇదే, అందుకే ఆపివేయబడింది. తక్కువ లేదా చిన్న కాంటెక్స్ట్ "
        "లెంగ్త్‌లు, లేదా తక్కువ పునరావృతాలు ఇవ్వండి."
    ),
    "serving.bench_heading": "### అదే తరగతి, ప్రొడక్షన్ ఇంజిన్‌పై",
    "serving.bench_explain": (
        "ఒక బెంచ్‌మార్క్ ఒకే తరగతిని ({clients} మంది అభ్యాసకులు x ఒక్కొక్కరికి {tokens} కొత్త టోకెన్‌లు, చాట్ "
        "ప్రాంప్ట్‌లు, నాలుగో వంతు గ్రీడీ, మిగతావి సాంప్లింగ్) ఈ ప్లేగ్రౌండ్‌కు, అదే వెయిట్స్‌తో అవే కోర్‌లపై నడిచే "
        "CPUల కోసం నిజమైన **vLLM** సర్వర్‌కు ఒకదాని తర్వాత ఒకటిగా, ఒకే OpenAI క్లయింట్ ద్వారా పంపుతుంది. "
        "{date}న `{machine}`పై కొలిచినది{version}."
    ),
    "serving.bench_version": ", vLLM {version}",
    "serving.bench_table": (
        "| | అభ్యాసకులందరూ కలిసి | మధ్యస్థ నిరీక్షణ (p50) | p95 | అత్యంత నెమ్మది | ఒక్క అభ్యర్థన ఒంటరిగా |\n"
        "|---|---|---|---|---|---|\n"
    ),
    "serving.bench_row": "| {path} | {tps:.1f} టోకెన్‌లు/s | {p50:.1f} s | {p95:.1f} s | {max:.1f} s | {alone:.2f} s |\n",
    "serving.bench_path.vllm": "vLLM (దాని OpenAI API)",
    "serving.bench_path.v1": "ఈ ప్లేగ్రౌండ్ (దాని OpenAI API, /v1)",
    "serving.bench_path.pages": "ఈ ప్లేగ్రౌండ్ (దాని పేజీలు, బ్రౌజర్ అడిగినట్లు)",
    "serving.bench_path.in_process": "ఈ ప్లేగ్రౌండ్ షెడ్యూలర్ (వెబ్ సర్వర్ లేకుండా)",
    "serving.bench_path.replica": "ప్లేగ్రౌండ్ రెప్లికా పేజీలు, ప్రతి జనరేషన్ ఆ vLLM పై",
    "serving.bench_ratio": (
        "\n/v1 ద్వారా ఈ ప్లేగ్రౌండ్ vLLM కన్నా **{tps:.2f}x** టోకెన్‌లు/సెకను సర్వ్ చేస్తుంది, దాని p95 నిరీక్షణ "
        "vLLM దానికి **{p95:.2f}x**. ఇక్కడ రెండు షెడ్యూలర్‌లు ఒకే పని చేస్తాయి: ప్రతి అభ్యాసకుడి అభ్యర్థనను "
        "స్టెప్ తర్వాత స్టెప్ కంటిన్యూయస్ బ్యాచింగ్ చేయడం."
    ),
    "serving.bench_none": (
        "ఇంకా బెంచ్‌మార్క్ అంకెలు లేవు. ఈ యంత్రంపై `make bench` (లేదా `python benchmarks/bench_vllm.py`) "
        "నడపండి: అది ఇదే తరగతిపై ఈ ప్లేగ్రౌండ్‌ను నిజమైన vLLM సర్వర్‌తో పోల్చి కొలుస్తుంది, తర్వాతి "
        "ప్రారంభం నుండి అంకెలు ఇక్కడ కనిపిస్తాయి."
    ),
    "serving.error.simulate_requests": "1 నుండి {limit} మంది అభ్యాసకుల మధ్య అనుకరించండి.",
    "serving.error.simulate_prompt_tokens": "ప్రాంప్ట్ టోకెన్‌లు 1 నుండి {limit} మధ్య ఉండాలి.",
    "serving.error.simulate_new_tokens": "కొత్త టోకెన్‌లు 1 నుండి {limit} మధ్య ఉండాలి.",
    "serving.progress": "తరగతిని అనుకరిస్తోంది: అభ్యర్థనలు ఒకదాని తర్వాత ఒకటి, తర్వాత ఒకే బ్యాచ్‌లో...",
}
