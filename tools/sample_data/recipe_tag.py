"""recipe_tag: a non-LaMP example task (a plugin's data) in the LaMP_2 shape.

Users tag recipes with one of six tags. Like LaMP_2, each user maps dish families to the tag
*they* use (one calls every curry "spicy", another "vegetarian", a third "quick weeknight"),
and the question recipe belongs to a family the profile shows several times.
Profile items: {"id", "recipe", "tag", "date"}.
"""

from __future__ import annotations

from .common import RECIPE_TAGS, TEMPLATES, finish_profile, make_question, qids, rng_for

TASK = "recipe_tag"

# family -> dishes (name, main ingredient, second ingredient), methods, finishing lines
FAMILIES = {
    "curry": {
        "dishes": [
            ("Chickpea and spinach curry", "a tin of chickpeas", "a big handful of spinach"),
            ("Sweet potato and lentil dal", "150 g of red lentils", "two diced sweet potatoes"),
            ("Cauliflower and pea curry", "a small cauliflower cut into florets", "a mug of frozen peas"),
            ("Aubergine and tomato curry", "two aubergines, cubed", "a punnet of cherry tomatoes"),
            ("Paneer and pepper masala", "250 g of paneer", "two sliced peppers"),
        ],
        "methods": [
            "Soften an onion with garlic, ginger and {spice}, then add {a} and {b} with a tin of tomatoes. Simmer for {t} minutes and finish with fresh coriander.",
            "Fry {spice} in a little oil until fragrant, stir in {a}, {b} and a can of coconut milk, and cook gently for {t} minutes.",
        ],
        "spice": [
            "two teaspoons of garam masala",
            "a heaped spoonful of curry paste",
            "cumin seeds and a sliced green chilli",
        ],
        "serve": [
            "Serve with basmati rice.",
            "Good with warm naan and a spoonful of yoghurt.",
            "Serves four, and tastes even better the next day.",
        ],
    },
    "chilli": {
        "dishes": [
            ("Beef chilli con carne", "500 g of beef mince", "a tin of kidney beans"),
            ("Three-bean chilli", "a tin of black beans", "a tin of pinto beans"),
            ("Smoky pork chilli", "500 g of pork shoulder, diced", "a tin of borlotti beans"),
            ("Turkey and sweetcorn chilli", "500 g of turkey mince", "a tin of sweetcorn"),
        ],
        "methods": [
            "Brown {a} with an onion, two cloves of garlic and {spice}. Add {b}, a tin of chopped tomatoes and a square of dark chocolate, then simmer for {t} minutes.",
            "Cook an onion and a diced pepper until soft, add {spice} and {a}, then pour in {b} and half a litre of stock. Leave it to bubble away for {t} minutes.",
        ],
        "spice": [
            "a teaspoon of chipotle paste",
            "hot chilli powder and cumin",
            "two chopped jalapeños and smoked paprika",
        ],
        "serve": [
            "Top with soured cream and grated cheddar.",
            "Serve with rice, lime wedges and plenty of coriander.",
            "Even better with a baked potato.",
        ],
    },
    "pasta_bake": {
        "dishes": [
            ("Three-cheese macaroni bake", "300 g of macaroni", "cheddar, mozzarella and parmesan"),
            ("Roasted vegetable pasta bake", "300 g of penne", "roasted courgette, pepper and red onion"),
            ("Spinach and ricotta cannelloni", "a box of cannelloni tubes", "ricotta mixed with wilted spinach"),
            ("Mushroom and leek lasagne", "a box of lasagne sheets", "sliced chestnut mushrooms and leeks"),
        ],
        "methods": [
            "Cook {a} until just tender, then combine with {b} and a rich tomato sauce. Tip into a dish, cover with {topping} and bake for {t} minutes.",
            "Layer {a} with {b} and a creamy béchamel, finish with {topping}, and bake at 190°C for {t} minutes until bubbling.",
        ],
        "spice": ["a thick layer of grated cheese", "breadcrumbs and parmesan", "torn mozzarella"],
        "serve": [
            "Leave it to rest for five minutes before serving.",
            "Serve with a crisp green salad.",
            "Serves six generously.",
        ],
    },
    "stir_fry": {
        "dishes": [
            ("Ginger chicken stir-fry", "two chicken breasts, sliced thin", "pak choi and spring onions"),
            ("Crispy tofu and broccoli stir-fry", "a block of firm tofu", "a head of broccoli"),
            ("Prawn and sugar snap noodles", "200 g of raw prawns", "sugar snap peas and egg noodles"),
            ("Beef and black bean stir-fry", "300 g of steak strips", "a sliced red pepper and black bean sauce"),
        ],
        "methods": [
            "Get a wok smoking hot, fry {a} for three minutes, then add {b} with garlic, ginger and {spice}. Toss for another {t} minutes.",
            "Stir-fry {a} in a splash of oil until golden, add {b}, then pour in {spice} and a little water. Everything is done in {t} minutes.",
        ],
        "spice": ["a splash of soy sauce and honey", "a spoonful of chilli crisp", "oyster sauce and rice vinegar"],
        "serve": [
            "Serve straight away over rice.",
            "Scatter with sesame seeds and sliced chilli.",
            "Dinner for two in under twenty minutes.",
        ],
    },
    "cake": {
        "dishes": [
            ("Lemon drizzle cake", "the zest of two lemons", "a sharp lemon and sugar syrup"),
            ("Chocolate fudge brownies", "200 g of dark chocolate", "a handful of chopped walnuts"),
            ("Carrot cake with cream cheese frosting", "three grated carrots", "a cream cheese frosting"),
            ("Victoria sponge", "a teaspoon of vanilla extract", "raspberry jam and softly whipped cream"),
            ("Banana bread", "three very ripe bananas", "a handful of chocolate chips"),
        ],
        "methods": [
            "Cream 175 g of butter with the same of caster sugar, beat in three eggs and fold in self-raising flour with {a}. Bake for {t} minutes, then finish with {b}.",
            "Whisk melted butter, sugar and eggs, stir in {a} and flour, and bake in a lined tin for {t} minutes. Top or fill with {b} once cool.",
        ],
        "spice": ["a pinch of cinnamon", "a teaspoon of vanilla", "a little grated nutmeg"],
        "serve": ["Keeps for four days in a tin.", "Lovely with a cup of tea.", "Cut into twelve squares."],
    },
    "salad": {
        "dishes": [
            ("Quinoa, feta and pomegranate salad", "a cup of cooked quinoa", "crumbled feta and pomegranate seeds"),
            ("Roasted beetroot and lentil salad", "four roasted beetroots", "a tin of puy lentils"),
            ("Charred corn and black bean salad", "two charred corn cobs", "a tin of black beans"),
            ("Warm halloumi and grain bowl", "slices of griddled halloumi", "bulgur wheat and cucumber"),
        ],
        "methods": [
            "Toss {a} with {b}, a big handful of herbs and {spice}. Leave for {t} minutes so the flavours come together.",
            "Combine {a} and {b} in a large bowl, add rocket and toasted seeds, and dress with {spice} just before serving, about {t} minutes in total.",
        ],
        "spice": ["a lemon and olive oil dressing", "a tahini and garlic dressing", "a honey and mustard vinaigrette"],
        "serve": [
            "Great for packed lunches.",
            "Serves four as a light lunch.",
            "Keeps well in the fridge for two days.",
        ],
    },
    "stew": {
        "dishes": [
            ("Beef and ale stew", "800 g of stewing beef", "a bottle of brown ale"),
            ("Chicken and leek pie", "six chicken thighs", "three leeks and a sheet of puff pastry"),
            ("Lamb hotpot", "600 g of lamb neck", "thinly sliced potatoes"),
            ("Sausage and bean casserole", "eight pork sausages", "a tin of butter beans"),
        ],
        "methods": [
            "Brown {a} in batches, then add onions, carrots and {b}. Cover and cook low and slow for {t} minutes until meltingly tender.",
            "Fry {a} until golden, add {b}, a sprig of thyme and a good splash of stock, then leave in a low oven for {t} minutes.",
        ],
        "spice": ["a bay leaf", "a sprig of rosemary", "a spoonful of Worcestershire sauce"],
        "serve": ["Serve with buttery mash.", "Perfect on a cold Sunday.", "Mop up the gravy with crusty bread."],
    },
    "tacos": {
        "dishes": [
            ("Chipotle chicken tacos", "four chicken thighs", "pickled red onion"),
            ("Fish tacos with lime slaw", "two white fish fillets", "shredded cabbage and lime"),
            ("Spicy black bean tacos", "a tin of black beans", "charred corn and avocado"),
            ("Pulled pork tacos", "leftover pulled pork", "a quick pineapple salsa"),
        ],
        "methods": [
            "Coat {a} in {spice} and cook in a hot pan for {t} minutes. Pile into warm tortillas with {b}.",
            "Season {a} with {spice}, griddle for {t} minutes, then serve in soft tortillas with {b} and a dollop of soured cream.",
        ],
        "spice": ["chipotle paste and lime", "smoked paprika, cumin and cayenne", "a fiery homemade hot sauce"],
        "serve": [
            "Ready in about twenty-five minutes.",
            "Finish with coriander and a squeeze of lime.",
            "Makes eight tacos.",
        ],
    },
    "soup": {
        "dishes": [
            ("Roasted tomato and red pepper soup", "a tray of roasted tomatoes", "two roasted red peppers"),
            ("Leek and potato soup", "three leeks", "two floury potatoes"),
            ("Spiced carrot and lentil soup", "six carrots", "a handful of red lentils"),
            ("Minestrone with white beans", "a tin of cannellini beans", "small pasta shapes and kale"),
        ],
        "methods": [
            "Sweat an onion and a stick of celery, add {a}, {b} and a litre of vegetable stock with {spice}. Simmer for {t} minutes, then blend until smooth.",
            "Gently cook {a} in a little butter, add {b}, {spice} and enough vegetable stock to cover, and simmer for {t} minutes.",
        ],
        "spice": ["a pinch of smoked paprika", "a few sprigs of thyme", "a teaspoon of cumin"],
        "serve": ["Serve with crusty bread.", "Freezes brilliantly.", "Swirl in a little cream or yoghurt to finish."],
    },
    "traybake": {
        "dishes": [
            ("Lemon and herb chicken traybake", "six chicken thighs", "new potatoes and green beans"),
            ("Salmon and roasted vegetable traybake", "four salmon fillets", "cherry tomatoes and asparagus"),
            ("Harissa chickpea and squash traybake", "a tin of chickpeas", "cubes of butternut squash"),
            ("Sausage and root vegetable traybake", "six sausages", "parsnips, carrots and red onion"),
        ],
        "methods": [
            "Toss {a} and {b} with olive oil and {spice} on a large baking tray. Roast at 200°C for {t} minutes, turning once.",
            "Spread {b} on a tray, nestle {a} on top, season with {spice} and roast for {t} minutes. Only one tray to wash.",
        ],
        "spice": ["lemon zest and oregano", "a spoonful of harissa", "garlic and rosemary"],
        "serve": [
            "Spoon over the pan juices to serve.",
            "Serves four with hardly any washing up.",
            "Add a green salad on the side.",
        ],
    },
    "crumble": {
        "dishes": [
            ("Apple and blackberry crumble", "four Bramley apples", "a punnet of blackberries"),
            ("Rhubarb and ginger crumble", "six sticks of rhubarb", "a little chopped stem ginger"),
            ("Plum and almond crumble", "eight ripe plums, halved", "a handful of flaked almonds"),
            ("Pear and chocolate crumble", "four ripe pears", "a handful of dark chocolate chunks"),
        ],
        "methods": [
            "Put {a} and {b} in a baking dish with a spoonful of sugar, cover with a rubbly topping of flour, butter and oats, and bake for {t} minutes.",
            "Mix {a} with {b} and {spice} in a buttered dish, rub butter into flour and demerara sugar for the topping, scatter it over and bake at 180°C for {t} minutes until golden and bubbling.",
        ],
        "spice": ["a pinch of cinnamon", "a grating of nutmeg", "a little orange zest"],
        "serve": ["Serve warm with custard.", "Best with a scoop of vanilla ice cream.", "Serves six."],
    },
}
TIMES = {
    "curry": (20, 40),
    "chilli": (40, 90),
    "pasta_bake": (20, 35),
    "stir_fry": (5, 10),
    "cake": (25, 50),
    "salad": (10, 15),
    "stew": (120, 180),
    "tacos": (8, 15),
    "soup": (20, 35),
    "traybake": (30, 45),
    "crumble": (30, 45),
}

# user_id, {family: the user's tag}, question family, profile size
USERS = [
    ("7901", {"curry": "spicy", "chilli": "spicy", "stir_fry": "quick weeknight", "cake": "dessert"}, "curry", 16),
    ("7902", {"curry": "vegetarian", "salad": "vegetarian", "soup": "vegetarian", "crumble": "dessert"}, "soup", 20),
    (
        "7903",
        {"stir_fry": "quick weeknight", "tacos": "quick weeknight", "traybake": "quick weeknight", "cake": "dessert"},
        "tacos",
        12,
    ),
    (
        "7904",
        {"stew": "comfort food", "pasta_bake": "comfort food", "crumble": "comfort food", "soup": "comfort food"},
        "crumble",
        24,
    ),
    ("7905", {"crumble": "dessert", "cake": "dessert", "salad": "healthy", "stir_fry": "healthy"}, "crumble", 18),
    ("7906", {"salad": "healthy", "soup": "healthy", "traybake": "healthy", "curry": "healthy"}, "traybake", 10),
    ("7907", {"chilli": "comfort food", "stew": "comfort food", "tacos": "spicy", "cake": "dessert"}, "chilli", 26),
    ("7908", {"tacos": "spicy", "stir_fry": "spicy", "curry": "spicy", "salad": "healthy"}, "stir_fry", 15),
    (
        "7909",
        {"pasta_bake": "vegetarian", "curry": "vegetarian", "cake": "dessert", "stew": "comfort food"},
        "pasta_bake",
        22,
    ),
    (
        "7910",
        {"cake": "dessert", "crumble": "dessert", "pasta_bake": "comfort food", "traybake": "quick weeknight"},
        "cake",
        14,
    ),
    (
        "7911",
        {"soup": "comfort food", "stew": "comfort food", "salad": "healthy", "stir_fry": "quick weeknight"},
        "soup",
        30,
    ),
    (
        "7912",
        {"curry": "quick weeknight", "pasta_bake": "quick weeknight", "tacos": "spicy", "cake": "dessert"},
        "curry",
        13,
    ),
]


def recipe(rng, family):
    """One recipe text: name, method and a serving line."""
    f = FAMILIES[family]
    name, a, b = rng.choice(f["dishes"])
    lo, hi = TIMES[family]
    spice = rng.choice(f["spice"])
    method = rng.choice(f["methods"]).format(a=a, b=b, spice=spice, topping=spice, t=rng.randrange(lo, hi + 1))
    return f"{name}. {method} {rng.choice(f['serve'])}"


def build():
    rng = rng_for(TASK)
    ids = qids(9000, len(USERS))
    questions, golds = [], []
    for qid, (uid, tags, q_family, n_items) in zip(ids, USERS, strict=True):
        assert all(t in RECIPE_TAGS for t in tags.values())
        q_text = recipe(rng, q_family)
        families = list(tags)
        plan = [q_family] * 3 + [rng.choice(families) for _ in range(n_items - 3)]
        items, seen = [], {q_text}
        for fam in plan:
            text = recipe(rng, fam)
            while text in seen:
                text = recipe(rng, fam)
            seen.add(text)
            items.append({"recipe": text, "tag": tags[fam]})
        profile = finish_profile(rng, qid, items)
        questions.append(make_question(qid, uid, TEMPLATES[TASK].format(recipe=q_text), profile))
        golds.append({"id": qid, "output": tags[q_family]})
    return questions, {"task": TASK, "golds": golds}
