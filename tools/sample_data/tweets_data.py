"""Tweet messages for LaMP_7: per topic, pairs (tweet, paraphrase) in a neutral voice.

Slots: {n} (a small number), {day}, {time} (morning), {late}, {evening}, {place}. A persona's voice is applied on top.
"""

from __future__ import annotations

MESSAGES = {
    "running": [
        (
            "Finished a {n}k run before work this morning. Legs are dead but my head is so much clearer.",
            "Got {n}k done before the workday started. My legs hate me, but my mind feels much calmer.",
        ),
        (
            "Signed up for the half marathon in {place}. No idea what I've got myself into.",
            "Just entered the {place} half marathon and I honestly have no clue what I'm in for.",
        ),
        (
            "Rain, wind and a hill at the end. Still the best part of my {day}.",
            "The run had wind, rain and a final hill, and it was still the highlight of my {day}.",
        ),
        (
            "New personal best on the {n}k loop today. All those slow miles are finally paying off.",
            "Beat my record on the {n}k route today, so the easy miles are clearly working.",
        ),
        (
            "Bought new running shoes and now I want to run everywhere, including to the shops.",
            "Got new trainers and suddenly I want to jog to every errand, even the supermarket.",
        ),
        (
            "Rest day today, which somehow feels harder than a long run.",
            "Taking a rest day and it's strangely tougher than doing a long run.",
        ),
        (
            "Parkrun this {day} with my dad, who is seventy and still beat me up the hill.",
            "Did parkrun with my seventy-year-old dad this {day} and he still outran me on the climb.",
        ),
    ],
    "coffee": [
        (
            "The new café on the corner makes the best flat white I've had in {place}.",
            "Best flat white in {place}? Easily the new café on my corner.",
        ),
        (
            "Third coffee of the day and it is not even {time} yet.",
            "It's not even {time} and I'm already on my third coffee.",
        ),
        (
            "Finally bought a proper grinder and I can't believe what I've been drinking for years.",
            "Got a real grinder at last, and now I'm horrified by the coffee I used to drink.",
        ),
        (
            "Oat milk or whole milk? The eternal {day} morning debate in our kitchen.",
            "Every {day} morning our kitchen argues about oat milk versus whole milk.",
        ),
        (
            "Tried a coffee from Ethiopia today that tastes like blueberries. I'm not even joking.",
            "Had an Ethiopian coffee today that honestly tastes of blueberries.",
        ),
        (
            "Spilled my entire coffee on my keyboard. The day can only get better from here.",
            "Knocked my whole coffee over the keyboard, so things can only improve today.",
        ),
        (
            "Nothing beats the first sip of coffee on a cold morning.",
            "That first sip of coffee on a freezing morning is unbeatable.",
        ),
    ],
    "coding": [
        (
            "Spent {n} hours chasing a bug that turned out to be a missing comma.",
            "Lost {n} hours to a bug and it was just a missing comma.",
        ),
        (
            "Deployed on a {day} afternoon. Yes, I know. Yes, it broke.",
            "I shipped to production on {day} afternoon and of course everything broke.",
        ),
        (
            "Code review tip: be kind, be specific, and never just write 'why'.",
            "My code review advice is to stay kind and specific, and never leave a comment that only says 'why'.",
        ),
        (
            "Finally deleted {n} thousand lines of legacy code today. Best feeling in the world.",
            "Removed {n} thousand lines of old code today and nothing feels better.",
        ),
        (
            "The tests pass on my machine, which means absolutely nothing.",
            "All green on my laptop, which proves nothing at all.",
        ),
        (
            "Learning Rust this month and the compiler is teaching me more than any book.",
            "Picked up Rust this month and honestly the compiler is a better teacher than any textbook.",
        ),
        (
            "Pair programming with a junior dev today reminded me how much I still have to learn.",
            "Paired with a junior developer today and realised how much I still don't know.",
        ),
    ],
    "gardening": [
        (
            "The first tomatoes of the season are finally ripening in the greenhouse.",
            "Our greenhouse tomatoes are at last starting to turn red.",
        ),
        (
            "Slugs have eaten every single lettuce seedling. Back to square one.",
            "Every lettuce seedling has been devoured by slugs, so I'm starting again.",
        ),
        (
            "Spent the whole {day} weeding and the garden looks exactly the same.",
            "A full {day} of weeding and you genuinely cannot tell the difference.",
        ),
        (
            "Planted {n} rows of garlic today. See you next summer, little cloves.",
            "Put in {n} rows of garlic this afternoon and now we wait until next summer.",
        ),
        (
            "The allotment committee has banned bonfires. There may be a revolution.",
            "Bonfires are now banned at the allotment and people are close to rioting.",
        ),
        (
            "The roses are blooming earlier than ever this year.",
            "Our roses have come out earlier this year than I can ever remember.",
        ),
        (
            "Harvested so many courgettes that I'm leaving them on neighbours' doorsteps.",
            "Too many courgettes again, so the neighbours are getting surprise deliveries.",
        ),
    ],
    "football": [
        ("What a goal in the last minute! I'm still shaking.", "That last-minute winner has left me shaking."),
        (
            "Three points away from home and a clean sheet. Perfect {day}.",
            "Away win and no goals conceded, what a {day}.",
        ),
        (
            "Referee had a shocker today, but we still should have won that.",
            "The ref was awful today, though honestly we should have won anyway.",
        ),
        (
            "Season ticket renewed for another year. Same seat, same heartbreak.",
            "Renewed my season ticket again, same seat and the same suffering.",
        ),
        (
            "Derby day tomorrow and I haven't slept properly all week.",
            "It's derby day tomorrow and I've barely slept all week.",
        ),
        (
            "Our new striker has scored in {n} games in a row. Give that man a statue.",
            "New striker has now scored in {n} straight games, build him a statue.",
        ),
        (
            "Cup draw is out and we've got the champions away. Brilliant.",
            "We've drawn the champions away in the cup. Lovely.",
        ),
    ],
    "cats": [
        (
            "My cat has decided the laptop keyboard is her bed now. Working from home is going well.",
            "The cat now sleeps on my keyboard, so remote work is going great.",
        ),
        (
            "Bought the cat a fancy new bed. She sleeps in the box it came in.",
            "Got the cat an expensive bed and she only wants the cardboard box.",
        ),
        (
            "It is {late} and the cat is screaming at a food bowl that is actually full.",
            "At {late} the cat is yelling at a bowl that is not even empty.",
        ),
        (
            "Adopted a second cat today. The first one is not impressed.",
            "Brought home another cat today and the first one is deeply unimpressed.",
        ),
        (
            "The cat knocked a glass off the table while looking me dead in the eye.",
            "She pushed a glass off the table and stared at me the whole time.",
        ),
        (
            "Vet says the cat needs to lose weight. The cat disagrees.",
            "The vet put the cat on a diet and the cat strongly objects.",
        ),
        (
            "Nothing more peaceful than a cat asleep in a patch of sunlight.",
            "A cat napping in the sunshine is the most peaceful thing there is.",
        ),
    ],
    "travel": [
        (
            "Just landed in {place} and the sunset from the plane was unreal.",
            "Touched down in {place} with the most unbelievable sunset out the window.",
        ),
        (
            "Missed my connecting train in {place}, so apparently I live here now.",
            "Missed the connection in {place}, guess this is home now.",
        ),
        (
            "Ate the best pastry of my life at a tiny bakery in {place}.",
            "A little bakery in {place} just served me the greatest pastry I've ever had.",
        ),
        (
            "{n} days, three countries and one very tired backpack.",
            "Three countries in {n} days and my backpack is exhausted.",
        ),
        (
            "Hotel upgraded us to a room with a balcony and I'm never leaving.",
            "We got a free upgrade to a balcony room and I refuse to check out.",
        ),
        (
            "Packing for a two-week trip with only hand luggage. Wish me luck.",
            "Attempting two weeks away with just a carry-on bag, wish me luck.",
        ),
        (
            "Got lost in the old town of {place} and found the best little bookshop.",
            "Wandered off in the old town of {place} and stumbled on a perfect little bookshop.",
        ),
    ],
    "music": [
        (
            "Saw my favourite band live last night and I can't hear anything today.",
            "Went to see my favourite band last night, and now my ears are ringing.",
        ),
        (
            "This new album has been on repeat since {day} morning.",
            "Haven't stopped playing this new album since {day} morning.",
        ),
        (
            "Finally learned the solo I've been practising for {n} weeks.",
            "After {n} weeks of practice I can finally play that solo.",
        ),
        (
            "The vinyl shop in {place} is dangerous for my bank account.",
            "That record shop in {place} is a disaster for my savings.",
        ),
        (
            "Festival tickets sold out in four minutes. I was in the queue for three hours.",
            "Queued for three hours and the festival sold out in four minutes.",
        ),
        ("Nothing like a rainy evening and an old jazz record.", "A rainy night and an old jazz record is all I need."),
        (
            "Our band plays its first gig on {day}. Terrified and excited in equal measure.",
            "First show with the band on {day} and I'm equally scared and thrilled.",
        ),
    ],
    "baking": [
        (
            "My sourdough finally has an open crumb after {n} failed attempts.",
            "After {n} flat loaves, my sourdough finally has proper holes.",
        ),
        (
            "Made a lemon drizzle cake and ate half of it before it cooled down.",
            "Baked a lemon drizzle and half of it was gone before it had cooled.",
        ),
        (
            "Tried macarons for the first time. They look like tiny volcanoes.",
            "First attempt at macarons and they came out looking like little volcanoes.",
        ),
        (
            "Baked cinnamon buns for the whole office and now I'm everyone's favourite colleague.",
            "Brought cinnamon buns into work and I'm suddenly the office favourite.",
        ),
        (
            "The kitchen is covered in flour and I regret nothing.",
            "There is flour everywhere in the kitchen, no regrets.",
        ),
        (
            "Birthday cake for my niece: three layers, pink icing and far too many sprinkles.",
            "Made my niece's birthday cake, three tiers with pink icing and way too many sprinkles.",
        ),
        (
            "Bread didn't rise because I forgot the yeast. Again.",
            "Forgot the yeast for the second time, so the bread stayed flat.",
        ),
    ],
    "books": [
        (
            "Stayed up until {late} to finish this novel and I have no regrets.",
            "I read until {late} to get to the end of this book, and it was worth it.",
        ),
        (
            "Book club picked a 900-page classic for next month. Pray for us.",
            "Our book club chose a 900-page classic for next month, send help.",
        ),
        (
            "There is no better feeling than a library book reservation finally arriving.",
            "Nothing beats the moment a library reservation is finally ready.",
        ),
        (
            "Finished {n} books this month, mostly on the train.",
            "Read {n} books this month, most of them on my commute.",
        ),
        (
            "The ending of this thriller made me gasp out loud on the bus.",
            "I literally gasped on the bus at the end of this thriller.",
        ),
        (
            "Secondhand bookshops are my weakness. Came home with {n} more.",
            "Can't resist a secondhand bookshop, I just bought {n} more.",
        ),
        (
            "Rereading a childhood favourite and it's even better than I remembered.",
            "Going back to a book I loved as a kid and it's better than I remembered.",
        ),
    ],
    "gaming": [
        (
            "Finally beat the final boss after {n} hours. My hands are shaking.",
            "Took down the last boss after {n} hours and my hands are still shaking.",
        ),
        ("One more game, I said, {n} hours ago.", "Told myself just one more match {n} hours ago."),
        (
            "The new update broke everything. Servers are down again.",
            "The latest patch ruined the game and the servers are offline again.",
        ),
        (
            "Won a ranked match with my last bit of health. Best moment of the week.",
            "Clutched a ranked game on almost no health, highlight of my week.",
        ),
        ("Streaming tonight from {evening}, come say hi.", "Going live tonight at {evening}, drop by and say hello."),
        ("This indie game made me cry and I'm not ashamed.", "Cried at an indie game and I don't care who knows."),
        (
            "Lost {n} games in a row. Taking a break before I throw the controller.",
            "That's {n} losses in a row, stepping away before the controller goes flying.",
        ),
    ],
    "commute": [
        ("Train cancelled again. Third time this week.", "Another cancelled train, the third one this week."),
        (
            "It's {n} degrees and the office has decided to turn the heating off.",
            "The office switched off the heating and it's {n} degrees.",
        ),
        (
            "Forgot my umbrella on the one day it actually rained.",
            "The one day it pours is the day I leave my umbrella at home.",
        ),
        (
            "Bus driver waited for me while I ran for the stop. Faith in humanity restored.",
            "The bus driver held the doors while I sprinted over, humanity isn't doomed after all.",
        ),
        (
            "Snow forecast for {day} and the whole city is already panic-buying bread.",
            "A bit of snow is forecast for {day} and everyone is stockpiling bread.",
        ),
        (
            "Cycled to work in the rain and arrived looking like I swam here.",
            "Biked in through the rain and showed up soaked like I'd been swimming.",
        ),
        (
            "The roadworks outside my flat have been going on for {n} months.",
            "The roadworks outside my place have now lasted {n} months.",
        ),
    ],
    "work": [
        (
            "Our team shipped the new onboarding flow today after {n} weeks of work. Proud of everyone involved.",
            "After {n} weeks, the team launched our new onboarding flow today, and I'm very proud of them.",
        ),
        (
            "Hiring is hard, but hiring kind people is the best decision you'll ever make.",
            "Recruiting is tough, yet choosing kind people always pays off.",
        ),
        (
            "Three lessons from our first year: talk to users, ship small, and sleep.",
            "Our first year taught us three things: speak with users, release in small steps, and rest.",
        ),
        (
            "Spoke at a conference in {place} today about remote teams. Great questions from the audience.",
            "Gave a talk on remote teams in {place} today, and the audience asked excellent questions.",
        ),
        (
            "We just closed our seed round. Grateful to everyone who believed in us early.",
            "Our seed round is closed, and I'm thankful to all who backed us from the start.",
        ),
        ("Meetings without an agenda should be illegal.", "No agenda, no meeting. It should be the law."),
        (
            "Took a full week off for the first time in {n} years. The company survived.",
            "First proper week off in {n} years and the business is still standing.",
        ),
    ],
    "photography": [
        (
            "Golden hour at the harbour in {place} tonight. Worth the wait.",
            "Caught golden hour over the harbour in {place} this evening, totally worth waiting for.",
        ),
        (
            "Took {n} hundred shots today and I like maybe three of them.",
            "Shot about {n} hundred photos today and only three are any good.",
        ),
        (
            "Finally bought a 50mm lens and I'm never taking it off.",
            "Got a 50mm lens at last and it's staying on my camera forever.",
        ),
        (
            "Fog over the river at sunrise. The alarm at five was worth it.",
            "Foggy river at dawn made the five o'clock alarm worthwhile.",
        ),
        (
            "Street photography tip: stand still and let the scene come to you.",
            "For street photos, stay in one spot and let the moment arrive.",
        ),
        (
            "My photo got picked for the local exhibition in {place}! Still can't believe it.",
            "One of my photos was chosen for the exhibition in {place} and I'm still in shock.",
        ),
        (
            "Film camera from the charity shop still works perfectly after forty years.",
            "Found a forty-year-old film camera at a charity shop and it works like new.",
        ),
    ],
}

PLACES = ["Lisbon", "Kraków", "Naples", "Reykjavík", "Montréal", "Kyoto", "Edinburgh", "Valencia", "Tallinn", "Bruges"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
TIMES = ["9am", "10am", "11am"]  # {time}: morning
LATE = ["1am", "2am", "3am"]  # {late}
EVENINGS = ["7pm", "8pm", "9pm"]  # {evening}
