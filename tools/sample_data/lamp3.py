"""LaMP_3 product rating: reviewers with a rating bias.

A review is written at a *text sentiment* level (1 = scathing .. 5 = glowing); the reviewer's
bias maps that level to the score they actually give (a harsh reviewer gives 2 to a mildly
positive review, a generous one 5). The question review is scored with the same bias, so the
profile's text/score pairs are what reveal the answer. Golds cover 1..5.
Quirk: one reviewer posted the same review twice (duplicate text in one profile).
"""

from __future__ import annotations

from .common import TEMPLATES, finish_profile, make_question, qids, rng_for

TASK = "LaMP_3"

# category -> products, positive remarks, negative remarks, personal context sentences
CATEGORIES = {
    "cookware": {
        "products": [
            "this cast-iron skillet",
            "the stainless saucepan set",
            "this nonstick frying pan",
            "the enamelled casserole dish",
            "this carbon-steel wok",
        ],
        "pos": [
            "It heats evenly and holds the temperature really well.",
            "The handle stays cool enough to grab without a towel.",
            "Cleanup takes about a minute.",
            "It goes straight from the hob into the oven.",
            "It looks lovely on the stove, too.",
            "Eggs slide right off, even without much butter.",
        ],
        "neg": [
            "The coating started flaking after about a month.",
            "It's much heavier than the photos suggest.",
            "The lid doesn't sit flush, so steam escapes everywhere.",
            "The handle loosened within a few weeks.",
            "It warped the first time I used it on high heat.",
            "Rust spots appeared after the second wash.",
        ],
        "context": [
            "I bought this to replace a pan I'd had for ten years.",
            "I cook most nights for a family of five.",
            "This was a gift for my daughter's first flat.",
            "I'm a keen home cook, so I'm picky.",
        ],
    },
    "coffee": {
        "products": [
            "this electric kettle",
            "the burr coffee grinder",
            "this espresso machine",
            "the milk frother",
            "this pour-over set",
        ],
        "pos": [
            "It's noticeably quieter than my old one.",
            "The crema is genuinely café-quality.",
            "It's ready in well under two minutes.",
            "The controls are simple and obvious.",
            "It takes up very little space on the counter.",
        ],
        "neg": [
            "The plastic smell took weeks to go away.",
            "It leaves a metallic taste in the water.",
            "It started leaking from the base after a month.",
            "The descaling light won't switch off.",
            "It's impossible to clean properly.",
        ],
        "context": [
            "I drink about four coffees a day.",
            "I used to work as a barista.",
            "We bought this for the office kitchen.",
            "I'm fussy about my morning flat white.",
        ],
    },
    "audio": {
        "products": [
            "these wireless earbuds",
            "the noise-cancelling headphones",
            "these over-ear headphones",
            "the sports earbuds",
            "these budget earbuds",
        ],
        "pos": [
            "Sound is clear with plenty of bass.",
            "The battery easily lasts a full working day.",
            "Pairing with my phone took seconds.",
            "Noise cancelling is good enough for a long flight.",
            "They stay put even when I run.",
            "Calls sound crisp on the other end.",
        ],
        "neg": [
            "The left side keeps disconnecting.",
            "The case scratches if you so much as look at it.",
            "There's a faint hiss at low volume.",
            "The app is clunky and wants far too many permissions.",
            "Battery life dropped by half within three months.",
            "They hurt my ears after an hour.",
        ],
        "context": [
            "I use these on a two-hour daily commute.",
            "I mostly listen to podcasts and classical music.",
            "Bought for working from home.",
            "I've owned four pairs of headphones in the last two years.",
        ],
    },
    "books": {
        "products": [
            "this novel",
            "the sequel",
            "this debut novel",
            "this thriller",
            "the family saga",
            "this short-story collection",
        ],
        "pos": [
            "The characters feel like people you actually know.",
            "The prose is gorgeous without being showy.",
            "I finished it in two sittings.",
            "The ending stayed with me for days.",
            "The plotting is tight and clever.",
            "It's beautifully printed and bound.",
        ],
        "neg": [
            "The middle third drags badly.",
            "The dialogue is wooden.",
            "The twist was obvious from chapter two.",
            "The translation feels clumsy in places.",
            "Too many characters, and none of them memorable.",
            "My copy arrived with a bent spine.",
        ],
        "context": [
            "I read this for my book club.",
            "I'd loved the author's first book.",
            "Picked it up at the airport on a whim.",
            "I read about fifty books a year.",
        ],
    },
    "skincare": {
        "products": [
            "this moisturiser",
            "the vitamin C serum",
            "this sunscreen",
            "the cleansing balm",
            "this night cream",
        ],
        "pos": [
            "It absorbs quickly and doesn't leave a greasy film.",
            "My skin looked brighter within a week.",
            "The fragrance is subtle — barely there.",
            "A little goes a long way.",
            "It works well under make-up.",
        ],
        "neg": [
            "It broke me out along my jawline.",
            "The pump stopped working halfway through the bottle.",
            "It leaves a white cast on darker skin.",
            "The texture is oddly sticky.",
            "It stings around the eyes.",
        ],
        "context": [
            "I have combination, fairly sensitive skin.",
            "I'm in my forties and have tried everything.",
            "My dermatologist suggested something simple.",
            "I live somewhere very dry.",
        ],
    },
    "tools": {
        "products": [
            "this cordless drill",
            "the impact driver",
            "this orbital sander",
            "the jigsaw",
            "this rotary tool",
        ],
        "pos": [
            "It has plenty of power for masonry and hardwood.",
            "The battery charges in under an hour.",
            "Everything fits neatly back in the case.",
            "There's barely any vibration.",
            "It feels solid and well balanced in the hand.",
        ],
        "neg": [
            "The battery barely lasts a single job.",
            "The case latch snapped the first week.",
            "The switch started sticking after a few uses.",
            "It's far louder than advertised.",
            "Replacement parts are impossible to find.",
        ],
        "context": [
            "I'm renovating a 1930s house, mostly on weekends.",
            "I'm a professional joiner.",
            "Bought for a few jobs around the flat.",
            "My old one finally died after twelve years.",
        ],
    },
    "camping": {
        "products": [
            "this two-person tent",
            "the backpacking tent",
            "this family tent",
            "the pop-up tent",
            "this ultralight shelter",
        ],
        "pos": [
            "It pitched in under five minutes, even in the wind.",
            "We stayed bone dry through a night of heavy rain.",
            "It packs down smaller than a water bottle.",
            "There's more headroom than you'd expect.",
            "The ventilation keeps condensation to a minimum.",
        ],
        "neg": [
            "The seams leaked during the first proper rain.",
            "The zip snagged constantly.",
            "One of the poles bent on day two.",
            "The pegs it comes with are useless on hard ground.",
            "Everything inside was damp with condensation by morning.",
        ],
        "context": [
            "I did a week in the Cairngorms with this.",
            "We camp most weekends from April to October.",
            "Bought for a first trip with the kids.",
            "I walk the Camino every few years.",
        ],
    },
    "games": {
        "products": [
            "this board game",
            "the card game",
            "this cooperative game",
            "the strategy game",
            "this party game",
        ],
        "pos": [
            "My kids played it for hours.",
            "The components are sturdy and the artwork is gorgeous.",
            "The rules were easy for a seven-year-old to follow.",
            "It's become a family favourite on game nights.",
            "Every game plays out differently.",
        ],
        "neg": [
            "Several pieces were missing from the box.",
            "The rules are needlessly confusing.",
            "The cards bend after a few plays.",
            "A single round takes far too long.",
            "It gets repetitive after the third game.",
        ],
        "context": [
            "Bought for my son's tenth birthday.",
            "We have three kids under twelve.",
            "This was a Christmas present for my niece.",
            "Our group meets every Friday to play.",
        ],
    },
    "cats": {
        "products": ["this cat tree", "the scratching post", "this cat bed", "the window hammock", "this cat tunnel"],
        "pos": [
            "Our cat took to it immediately.",
            "The cover comes off and goes in the washing machine.",
            "It's sturdy enough for our largest cat.",
            "It lasted far longer than the cheaper ones.",
            "Assembly took ten minutes.",
        ],
        "neg": [
            "The base wobbles when the cat jumps on it.",
            "Our cat ignored it completely.",
            "The fabric was shredded within a week.",
            "It arrived with two screws missing.",
            "It smells strongly of glue.",
        ],
        "context": [
            "We have two very energetic rescue cats.",
            "Our cat is fourteen and very fussy.",
            "I work long shifts, so the cats need entertaining.",
            "Bought after our old one fell apart.",
        ],
    },
}

OPENERS = {
    5: [
        "Absolutely love {product}!",
        "Best purchase I've made this year.",
        "I can't fault {product}.",
        "{Product} exceeded every expectation.",
    ],
    4: [
        "Really happy with {product} overall.",
        "{Product} is very good, with one small caveat.",
        "Pleasantly surprised by {product}.",
        "Pretty great, honestly.",
    ],
    3: [
        "{Product} is okay.",
        "Mixed feelings about {product}.",
        "It does the job, nothing more.",
        "Some things I like about {product}, some I don't.",
    ],
    2: [
        "Pretty disappointed with {product}.",
        "I wanted to like {product} more than I do.",
        "{Product} is not what I expected.",
        "Underwhelming.",
    ],
    1: [
        "Do not buy {product}.",
        "Complete waste of money.",
        "I returned {product} after two days.",
        "Honestly one of the worst things I've ordered online.",
    ],
}
CLOSERS = {
    5: ["Would buy again in a heartbeat.", "Highly recommend.", "Worth every penny.", "Five stars from me."],
    4: [
        "I'd recommend it, just keep your expectations realistic.",
        "Good value for the price.",
        "Minor gripes aside, I'm keeping it.",
    ],
    3: [
        "Fine for the price, but I'd shop around first.",
        "It's average, no more and no less.",
        "I'm neither sorry nor thrilled I bought it.",
    ],
    2: [
        "I'll probably replace it soon.",
        "Not terrible, but I wouldn't buy it again.",
        "Expected better from this brand.",
    ],
    1: ["Save your money.", "Avoid.", "Sent it back and got a refund."],
}
# (positive remarks, negative remarks) per text level
MIX = {5: (2, 0), 4: (2, 1), 3: (1, 1), 2: (0, 2), 1: (0, 2)}

BIASES = {  # text sentiment level -> the score this kind of reviewer gives
    "harsh": {1: 1, 2: 1, 3: 2, 4: 2, 5: 4},
    "generous": {1: 2, 2: 3, 3: 4, 4: 5, 5: 5},
    "fair": {1: 1, 2: 2, 3: 3, 4: 4, 5: 5},
    "polar": {1: 1, 2: 1, 3: 1, 4: 5, 5: 5},
    "middling": {1: 2, 2: 2, 3: 3, 4: 3, 5: 4},
    "never_five": {1: 1, 2: 2, 3: 3, 4: 4, 5: 4},
    "kind": {1: 1, 2: 3, 3: 4, 4: 4, 5: 5},
}

# user_id, categories, bias, voice (terse | plain | chatty | excitable), question text level, profile size
REVIEWERS = [
    ("7301", ["cookware"], "harsh", "plain", 4, 22),
    ("7302", ["audio"], "generous", "chatty", 2, 16),
    ("7303", ["books"], "fair", "chatty", 5, 30),
    ("7304", ["skincare"], "polar", "excitable", 3, 12),
    ("7305", ["tools"], "middling", "terse", 5, 25),
    ("7306", ["camping", "tools"], "never_five", "plain", 5, 18),
    ("7307", ["games"], "kind", "chatty", 2, 10),
    ("7308", ["audio", "coffee"], "harsh", "terse", 2, 56),
    ("7309", ["coffee", "cats"], "generous", "excitable", 4, 20),
    ("7310", ["cats"], "fair", "plain", 1, 14),
    ("7311", ["tools", "camping"], "polar", "terse", 4, 28),
    ("7312", ["books"], "middling", "chatty", 1, 35),
    ("7313", ["camping"], "fair", "plain", 3, 15),
    ("7314", ["skincare", "books"], "harsh", "chatty", 3, 24),
    ("7315", ["games", "cookware"], "kind", "excitable", 5, 19),
]
DUPLICATE_REVIEWER = "7310"
LEVEL_WEIGHTS = [1, 1.2, 1.4, 2, 2]  # review sites skew positive


def review(rng, cats, level, voice):
    """One review text (20..120 words) at a given sentiment level, in the reviewer's voice."""
    c = CATEGORIES[rng.choice(cats)]
    product = rng.choice(c["products"])
    npos, nneg = MIX[level]
    if voice in ("chatty", "excitable") and level in (3, 4):
        npos += 1
    if voice == "chatty" and level in (1, 2, 5):
        npos, nneg = (npos + 1, nneg) if level == 5 else (npos, nneg + 1)
    if level == 1 and rng.random() < 0.5:
        nneg += 1
    remarks = rng.sample(c["pos"], npos) + rng.sample(c["neg"], nneg)
    if level < 4:  # glowing reviews put praise first, the caveat last; others mix freely
        rng.shuffle(remarks)
    opener = rng.choice(OPENERS[level]).format(product=product, Product=product[:1].upper() + product[1:])
    parts = [opener]
    if voice == "chatty":
        parts.insert(0, rng.choice(c["context"]))
    parts += remarks
    if voice != "terse" or rng.random() < 0.3:
        parts.append(rng.choice(CLOSERS[level]))
    text = " ".join(parts)
    if voice == "excitable":
        text = text.replace(".", "!", 2) if level >= 4 else text.replace("Avoid.", "AVOID.")
        if level >= 4 and rng.random() < 0.4:
            text += " 😍"
    while len(text.split()) < 20:  # terse reviewers still write at least a couple of sentences
        text += " " + rng.choice([r for r in c["pos" if level >= 4 else "neg"] if r not in text] or c["pos"])
    if voice == "chatty" and rng.random() < 0.3:  # a quoted aside, with curly quotes
        text += (
            " My partner’s verdict: “best thing we’ve bought all year.”"
            if level >= 4
            else " As my partner put it: “you get what you pay for.”"
        )
    assert len(text.split()) <= 120, text
    return text


def build():
    rng = rng_for(TASK)
    ids = qids(3000, len(REVIEWERS))
    questions, golds = [], []
    for qid, (uid, cats, bias_name, voice, q_level, n_items) in zip(ids, REVIEWERS, strict=True):
        bias = BIASES[bias_name]
        q_text = review(rng, cats, q_level, voice)
        items, seen = [], {q_text}
        while len(items) < n_items:
            level = rng.choices([1, 2, 3, 4, 5], weights=LEVEL_WEIGHTS)[0]
            text = review(rng, cats, level, voice)
            if text in seen:
                continue
            seen.add(text)
            score = bias[level]
            if rng.random() < 0.08:  # people are not perfectly consistent
                score = min(5, max(1, score + rng.choice([-1, 1])))
            items.append({"text": text, "score": str(score)})
        if uid == DUPLICATE_REVIEWER:  # the same review posted twice, on different dates
            items.append(dict(items[0]))
        profile = finish_profile(rng, qid, items)
        text = TEMPLATES[TASK].format(review=q_text)
        questions.append(make_question(qid, uid, text, profile))
        golds.append({"id": qid, "output": str(bias[q_level])})
    return questions, {"task": TASK, "golds": golds}
