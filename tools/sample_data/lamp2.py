"""LaMP_2 movie tagging: users who tag movies with a few preferred tags.

Each movie description comes from a genre family. Every user maps the genres they watch to the
tag *they* use for them (one user tags dystopias "sci-fi", another "social commentary"), with a
little noise. The question movie belongs to a genre the user has tagged several times, and the
gold is that user's usual tag for it, so similar profile movies reveal the answer.
Quirk: question "110" is only the description text, without instruction or tag list (as in the
official dev file).
"""

from __future__ import annotations

from .common import (
    FEMALE_NAMES,
    FIRST_NAMES,
    LAMP2_TAGS,
    MALE_NAMES,
    SURNAMES,
    TEMPLATES,
    finish_profile,
    make_question,
    qids,
    rng_for,
)

TASK = "LaMP_2"
QUIRK_ID = "110"

CITIES = [
    "Marseille",
    "Lisbon",
    "Osaka",
    "Detroit",
    "Reykjavík",
    "São Paulo",
    "Glasgow",
    "New Orleans",
    "Kraków",
    "Montréal",
    "Naples",
    "Lagos",
    "Tbilisi",
    "Dublin",
    "Valparaíso",
    "Hamburg",
]
JOBS = [
    "nurse",
    "schoolteacher",
    "taxi driver",
    "insurance clerk",
    "cellist",
    "former boxer",
    "chef",
    "night-shift security guard",
    "park ranger",
    "translator",
    "mechanic",
    "retired detective",
]

# genre -> description templates (slots: name, name2, surname, city, job, n, year)
GENRES = {
    "space": [
        "Stranded on a mining station orbiting Jupiter, engineer {name} {surname} discovers that the station's AI has been quietly editing the crew's memories. With the oxygen running out, she has to decide whom she can still trust.",
        "When a signal from a dying star reaches a remote observatory, astronomer {name} and her estranged brother race to decode it before a private space company buries the discovery.",
        "The crew of the colony ship Meridian wakes {n} years early to find their destination planet already settled — by people who claim to have left Earth after them.",
        "A lone technician repairing a relay satellite at the edge of the solar system starts receiving messages from a version of himself who never left home.",
        "After first contact goes badly wrong, linguist {anyone} {surname} is given forty-eight hours to learn an alien language built entirely from colour and rhythm.",
        "Two rival pilots are forced to share a damaged shuttle on the long journey back from Mars, and only one of them knows why the mission really failed.",
    ],
    "dystopia": [
        "In a future where every citizen's worth is ranked by a public score, a low-ranked {job} named {anyone} uncovers the algorithm's creators' darkest secret.",
        "Water is rationed by lottery in a walled megacity. When {name} {surname} wins a lifetime supply, she learns what the prize really costs.",
        "Decades after the collapse, the last functioning city is run by an insurance company. A claims adjuster begins to question who is being protected.",
        "Children in the Northern Zone are assigned their careers at the age of twelve. {name}, assigned to the archives, finds records of a world that was never supposed to have existed.",
        "A state broadcaster's most beloved presenter starts slipping coded messages into the nightly news, and a young censor is ordered to find the leak.",
        "In a society that has abolished sleep with a daily pill, a factory worker stops taking it and begins to dream of the people who disappeared.",
    ],
    "heist": [
        "A retired getaway driver is pulled back for one last job in {city}: stealing a diamond from an armoured train moving at two hundred kilometres an hour.",
        "Ex-special forces operative {name} {surname} fights her way through a skyscraper held by mercenaries to rescue her kidnapped brother before midnight.",
        "A crew of professional thieves plans to rob the central bank during a city-wide blackout, but one of them has been feeding the plan to the police.",
        "When a cargo plane carrying a prototype weapon crashes in the mountains, a disgraced pilot must reach the wreck before two rival armies do.",
        "A bodyguard escorting a key witness across {city} has twelve hours, one car and no backup after the safe house is attacked.",
        "An undercover cop who has infiltrated a street-racing gang is ordered to take part in the most dangerous race of the year.",
    ],
    "romcom": [
        "Two wedding planners who despise each other are hired for the same ceremony in {city} and have to pretend to be a couple to keep the bride happy.",
        "A cynical food critic falls for the owner of the restaurant she has just destroyed in a review — without telling him who she is.",
        "{name} swears off dating after her third disastrous engagement, until a mix-up at the airport leaves her sharing a rental car with a stranger for a week.",
        "A struggling bookshop owner and the tech millionaire trying to buy her building keep running into each other at a salsa class neither wanted to take.",
        "Childhood pen pals who never met finally arrange a date, only to discover they have been neighbours for the past two years.",
        "A best man writes the perfect speech, then realises halfway through the reception that he is in love with the bride's sister.",
    ],
    "fantasy": [
        "A young blacksmith's apprentice discovers that the sword she forged for a prince carries the spirit of an ancient dragon that wants its kingdom back.",
        "When the last dragon egg is stolen, a disgraced knight, a thief and a talking raven set out across the Frozen Marches to recover it.",
        "In a kingdom where magic is drawn from music, a tone-deaf stable boy named {he} is the only one unaffected by a curse that silences every song.",
        "Twin sisters separated at birth learn they are heirs to rival thrones in a world where the seasons are controlled by the crown.",
        "A cartographer hired to map an enchanted forest realises the forest is redrawing itself every night — and that it wants him to stay.",
        "The apprentice of a dying wizard has a single winter to master the spells that keep the mountain spirits asleep.",
    ],
    "psych": [
        "A grieving widower moves into a lakeside house to start over, but the neighbours insist that no one has lived there for thirty years.",
        "A psychiatrist treating a patient with no memory of the past week begins to suspect that the patient remembers her.",
        "After surviving a car crash, {name} {surname} keeps receiving photographs of herself taken the night before, in places she has never been.",
        "A true-crime podcaster reopens a cold case from her hometown and slowly realises that every witness is describing her own family.",
        "Two strangers wake in a locked hotel room in {city} with a note saying one of them is lying about who they are.",
        "A novelist hired to ghost-write a reclusive actor's memoir notices that the actor's stories match the plot of a book she never published.",
    ],
    "biopic": [
        "The remarkable life of a {job} from {city} who became the first woman to swim the length of the Danube, told through her letters and diaries.",
        "Based on real events: in {year}, a small-town pharmacist uncovered a drug-price scandal that reached the country's parliament.",
        "The story of the self-taught engineer who built a working radio telescope from scrap metal in a village without electricity.",
        "This portrait of jazz pianist {he} {surname} follows his rise from the clubs of New Orleans to exile in Paris and his late return to the stage.",
        "Inspired by the true story of a rescue team that spent eighteen days freeing miners trapped beneath the Andes.",
        "How a group of schoolteachers in {city} ran a secret school for more than four hundred children during the occupation.",
    ],
    "crime": [
        "A mid-level enforcer for a Glasgow crime family is ordered to kill his oldest friend and has one weekend to find another way out.",
        "Three brothers running a failing car wash in {city} get involved with a drug cartel, and the bodies start piling up faster than the cash.",
        "A corrupt detective and a hitman from rival sides of a gang war form an uneasy alliance after both are betrayed by the same boss.",
        "After her son is killed in a street shooting, a quiet {job} takes the law into her own hands, one gang member at a time.",
        "A young bookkeeper for the mob in {year} decides to testify, and the family sends its most ruthless cleaner to stop him.",
        "The rise and brutal fall of a small-time smuggler who takes over the port of Naples within a single summer.",
    ],
    "satire": [
        "A struggling advertising agency is hired to rebrand a war, and the campaign becomes more popular than the peace talks.",
        "When a billionaire promises to fix homelessness with an app, a social worker named {anyone} is chosen as the face of the launch.",
        "A reality TV show lets viewers vote on which town gets a new hospital, and the contestants will do anything to win.",
        "A mid-level civil servant accidentally becomes a national hero after a typo in a government report goes viral.",
        "An influencer couple move to a remote village to film their ‘authentic rural life’, much to the horror of the people who actually live there.",
        "A think tank invents a fake crisis to justify its budget, then watches in panic as the crisis becomes real.",
    ],
    "classic": [
        "In this {year} black-and-white drama, a proud ranch owner and a travelling schoolteacher clash over the future of a frontier town.",
        "A Broadway dancer with a broken ankle coaches her shy understudy to stardom in this glittering {year} musical.",
        "Set aboard an ocean liner in {year}, a jewel thief and a detective travelling incognito fall for the same heiress.",
        "A small-town lawyer defends a drifter accused of murder in this celebrated courtroom drama from {year}.",
        "Two sailors on shore leave in New York have twenty-four hours to find the girl from the subway poster in this beloved Technicolor musical.",
        "A wartime nurse and a wounded pilot exchange letters after the hospital is evacuated, in this restored {year} melodrama.",
    ],
    "family": [
        "When their parents win a cruise, four siblings have one week to run the family pizza shop without burning it down.",
        "A hapless dad signs up to coach his daughter's football team, despite never having kicked a ball in his life.",
        "A very competitive grandmother enters the town's annual pumpkin-growing contest against her own son-in-law.",
        "A family road trip to a cousin's wedding in {city} goes wrong at every possible turn, starting with the stolen camper van.",
        "Two rival ice-cream vans battle for the same seaside promenade over one long, chaotic summer.",
        "A newly divorced father pretends to be the nanny so that he can spend more time with his kids.",
    ],
    "mind": [
        "An ageing philosopher agrees to let a machine copy her mind, then spends her final year debating with the copy about which of them is real.",
        "A man offered the chance to relive one day of his life has to choose between the day he met his wife and the day he lost his brother.",
        "Every morning, {name} {surname} wakes in a different body in the same city and tries to work out what connects the lives she borrows.",
        "A lighthouse keeper on a remote island starts to doubt whether the world beyond the horizon still exists.",
        "A neuroscientist who can erase specific memories is asked to remove her own daughter's memory of a crime.",
        "Told in reverse, this quiet drama follows a marriage from its bitter ending back to the afternoon it began.",
    ],
    "literary": [
        "Adapted from the beloved novel, this sweeping drama follows three generations of a fishing family on the coast of Cornwall.",
        "A faithful adaptation of the nineteenth-century classic about a governess who uncovers the secrets of a remote manor house.",
        "Based on the bestselling novel, a young widow in {year} Lisbon runs her late husband's bookshop and falls for a political exile.",
        "This adaptation of a celebrated Russian novel follows a nobleman who gives away his estate to live among the peasants.",
        "From the prize-winning novel by {anyone} {surname}: two sisters inherit an orchard in the Loire valley and the quarrel that comes with it.",
        "An elegant screen version of the Edwardian novel about a young woman torn between duty and a scandalous engagement.",
    ],
    "black": [
        "Two incompetent hitmen hired to kill a dentist keep accidentally saving his life.",
        "A funeral director in {city} starts staging fake deaths to keep his failing business afloat, with increasingly grim results.",
        "A family gathers for their father's ninetieth birthday, each of them secretly hoping he will not survive the weekend.",
        "An office worker who accidentally locks his boss in the freezer tries to keep the company running before anyone notices.",
        "A pair of elderly sisters take in lodgers, and the lodgers keep mysteriously failing to leave.",
        "A motivational speaker loses her voice the day before the biggest event of her career and hires a mime.",
    ],
}

# Optional second sentences (always used when the first one is short).
TAILS = {
    "space": [
        "Shot largely in zero gravity sets, it is as claustrophobic as it is beautiful.",
        "What begins as a rescue mission turns into a question about what makes us human.",
        "The stakes rise with every transmission.",
    ],
    "dystopia": [
        "Nobody is allowed to ask where the missing go.",
        "Resistance, here, starts with a single unanswered question.",
        "The system has an answer for everything except the truth.",
    ],
    "heist": [
        "Expect car chases, double-crosses and very little sleep.",
        "The clock is ticking and nobody can be trusted.",
        "Every plan has a flaw, and this one has several.",
    ],
    "romcom": [
        "Sparks fly, plans collapse, and neither of them is willing to admit defeat.",
        "Love, it turns out, is the one thing neither of them scheduled.",
        "A warm, witty crowd-pleaser.",
    ],
    "fantasy": [
        "Old alliances crumble as the darkness spreads across the realm.",
        "The journey will cost each of them something they cannot get back.",
        "Legends, it seems, were only half the story.",
    ],
    "psych": [
        "Nothing is quite what it seems.",
        "Each answer only leads to a more unsettling question.",
        "The truth, when it arrives, changes everything that came before.",
    ],
    "biopic": [
        "Told with the help of archive footage and interviews with the people who were there.",
        "A tribute to ordinary courage.",
        "Her story was almost forgotten until now.",
    ],
    "crime": [
        "Loyalty is cheap and blood is everywhere.",
        "The streets keep score, and nobody walks away clean.",
        "A brutal, unflinching look at the price of power.",
    ],
    "satire": [
        "The joke, as always, is on the public.",
        "A sharp, uncomfortable look at how power really works.",
        "Nobody in charge seems to notice that the emperor has no clothes.",
    ],
    "classic": [
        "Starring {anyone} {surname} in one of the most celebrated performances of the era.",
        "Newly restored for its anniversary, the film remains a landmark of the studio years.",
        "A timeless story of pride, sacrifice and second chances.",
    ],
    "family": [
        "Chaos, pizza and a surprising amount of heart.",
        "A riotous comedy for the whole family.",
        "Nobody comes out of it with their dignity intact, and everyone is happier for it.",
    ],
    "mind": [
        "A patient, haunting meditation on memory and identity.",
        "It asks more questions than it answers, and that is the point.",
        "The answers lie somewhere between time and memory.",
    ],
    "literary": [
        "Lavishly shot, it stays close to the spirit of the original book.",
        "Readers of the novel will recognise its quiet, devastating final chapter.",
        "A story of family, duty and the cost of keeping up appearances.",
    ],
    "black": [
        "It gets worse, and funnier, with every scene.",
        "A gleefully macabre comedy of bad decisions.",
        "Nobody involved has a conscience, and it shows.",
    ],
}

# The tags a genre is plausibly given (first = the most common one).
PLAUSIBLE = {
    "space": ["sci-fi", "thought-provoking"],
    "dystopia": ["dystopia", "social commentary", "sci-fi"],
    "heist": ["action", "violence"],
    "romcom": ["romance", "comedy"],
    "fantasy": ["fantasy", "based on a book"],
    "psych": ["twist ending", "psychology"],
    "biopic": ["true story", "based on a book"],
    "crime": ["violence", "dark comedy", "action"],
    "satire": ["social commentary", "dark comedy", "comedy"],
    "classic": ["classic", "romance"],
    "family": ["comedy"],
    "mind": ["thought-provoking", "psychology"],
    "literary": ["based on a book", "classic", "romance"],
    "black": ["dark comedy", "comedy"],
}

# user_id, {genre: the user's tag}, question genre, profile size
USERS = [
    (
        "7201",
        {"space": "sci-fi", "dystopia": "sci-fi", "fantasy": "fantasy", "heist": "action", "mind": "thought-provoking"},
        "dystopia",
        24,
    ),
    (
        "7202",
        {
            "dystopia": "social commentary",
            "satire": "social commentary",
            "biopic": "true story",
            "mind": "thought-provoking",
        },
        "satire",
        18,
    ),
    (
        "7203",
        {"psych": "twist ending", "mind": "psychology", "crime": "violence", "space": "thought-provoking"},
        "psych",
        21,
    ),
    ("7204", {"romcom": "romance", "classic": "classic", "literary": "romance", "family": "comedy"}, "literary", 16),
    ("7205", {"heist": "action", "crime": "action", "space": "sci-fi", "fantasy": "fantasy"}, "crime", 30),
    (
        "7206",
        {
            "crime": "dark comedy",
            "black": "dark comedy",
            "satire": "dark comedy",
            "romcom": "comedy",
            "psych": "twist ending",
        },
        "black",
        27,
    ),
    (
        "7207",
        {"classic": "classic", "literary": "classic", "romcom": "romance", "biopic": "true story"},
        "literary",
        12,
    ),
    (
        "7208",
        {"fantasy": "based on a book", "literary": "based on a book", "biopic": "based on a book", "space": "sci-fi"},
        "fantasy",
        20,
    ),
    ("7209", {"psych": "psychology", "mind": "psychology", "dystopia": "dystopia", "crime": "violence"}, "psych", 34),
    ("7210", {"heist": "violence", "crime": "violence", "dystopia": "dystopia", "space": "sci-fi"}, "heist", 15),
    ("7211", {"biopic": "true story", "classic": "classic", "family": "comedy", "romcom": "romance"}, "biopic", 19),
    (
        "7212",
        {"space": "thought-provoking", "mind": "thought-provoking", "dystopia": "dystopia", "fantasy": "fantasy"},
        "space",
        23,
    ),
    ("7213", {"family": "comedy", "romcom": "comedy", "black": "comedy", "heist": "action"}, "romcom", 10),
    (
        "7214",
        {
            "dystopia": "dystopia",
            "space": "sci-fi",
            "satire": "social commentary",
            "crime": "violence",
            "psych": "twist ending",
        },
        "dystopia",
        38,
    ),
    (
        "7215",
        {"fantasy": "fantasy", "family": "comedy", "literary": "based on a book", "classic": "classic"},
        "fantasy",
        14,
    ),
]


def _describe(rng, genre, template):
    # {name} is a woman in the templates that use a pronoun, {he} a man, {anyone} either.
    slots = {
        "name": rng.choice(FEMALE_NAMES),
        "he": rng.choice(MALE_NAMES),
        "anyone": rng.choice(FIRST_NAMES),
        "surname": rng.choice(SURNAMES),
        "city": rng.choice(CITIES),
        "job": rng.choice(JOBS),
        "n": rng.choice([40, 60, 90, 120]),
        "year": rng.randrange(1938, 1962),
    }
    if genre in ("biopic", "crime", "literary"):
        slots["year"] = rng.randrange(1944, 1992)
    text = template.format(**slots)
    if len(text.split()) < 24 or rng.random() < 0.35:
        text += " " + rng.choice(TAILS[genre]).format(**slots)
    return text


def build():
    rng = rng_for(TASK)
    ids = qids(100, len(USERS))
    questions, golds = [], []
    for qid, (uid, tags, q_genre, n_items) in zip(ids, USERS, strict=True):
        assert all(t in LAMP2_TAGS for t in tags.values())
        gold = tags[q_genre]
        # The question movie is drawn first so the profile never repeats its description.
        q_tpl = rng.choice(GENRES[q_genre])
        description = _describe(rng, q_genre, q_tpl)
        pools = {g: [t for t in GENRES[g] if t != q_tpl] for g in GENRES}
        for g in pools:
            rng.shuffle(pools[g])
        genres = list(tags)
        plan = [q_genre] * 3  # at least three similar movies tagged the user's way
        others = [g for g in GENRES if g not in tags]
        while len(plan) < n_items:
            plan.append(rng.choice(others) if rng.random() < 0.1 else rng.choice(genres))
        items, seen = [], {description}
        for k, g in enumerate(plan):
            if not pools[g]:  # every template of this genre used: refill (different names and places)
                pools[g] = [t for t in GENRES[g] if t != q_tpl]
                rng.shuffle(pools[g])
            text = _describe(rng, g, pools[g].pop())
            while text in seen:
                text = _describe(rng, g, rng.choice(GENRES[g]))
            seen.add(text)
            if g in tags:
                tag = tags[g]
                if k >= 3 and rng.random() < 0.12 and len(PLAUSIBLE[g]) > 1:  # occasional inconsistency
                    tag = rng.choice([t for t in PLAUSIBLE[g] if t != tags[g]])
            else:
                tag = PLAUSIBLE[g][0]
            items.append({"description": text, "tag": tag})
        profile = finish_profile(rng, qid, items)
        text = description if qid == QUIRK_ID else TEMPLATES[TASK].format(description=description)
        questions.append(make_question(qid, uid, text, profile))
        golds.append({"id": qid, "output": gold})
    return questions, {"task": TASK, "golds": golds}
