"""Links to a view's exact state: the copy control and the note for a link that could not all be used."""

EN = {
    "link.copy": "Copy link",
    "link.box": "The link to this view",
    "link.placeholder": "A link to exactly this view (the tab, its inputs, its seed) appears here",
    "link.bad": "**This link had settings this page cannot use**, so they were left at their first values: {params}. Everything else in the link was restored.",
}

TE = {
    "link.copy": "లింక్‌ను కాపీ చేయండి",
    "link.box": "ఈ వీక్షణకు లింక్",
    "link.placeholder": "సరిగ్గా ఈ వీక్షణకు (ట్యాబ్, దాని ఇన్‌పుట్‌లు, దాని సీడ్) లింక్ ఇక్కడ కనిపిస్తుంది",
    "link.bad": "**ఈ లింక్‌లోని కొన్ని సెట్టింగ్‌లను ఈ పేజీ ఉపయోగించలేదు**, కాబట్టి అవి మొదటి విలువల్లోనే ఉన్నాయి: {params}. లింక్‌లోని మిగతావన్నీ పునరుద్ధరించబడ్డాయి.",
}
