"""Word lists the detectors share: what is not a name, what a hospital calls its places and programs, plain English.

All words are lower case; a detector compares `word.lower()` (or casefold) against them.
"""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


MONTHS_AND_DAYS = words("""january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday""")
# Role words, and nickname-titles staff give each other, that make the capitalised words after them a colleague:
# "Nurse Sam Lee", "Chaplain Ruth Ames", "Doc Adeyemi", "Captain Kofi".
STAFF_CUE_WORDS = words("""dr doctor doc nurse chaplain pastor reverend rabbi imam father sister brother professor
    pharmacist therapist dietitian physician surgeon captain capt coach chef sarge boss""")
MONTH_NAMES = words("april may june august")  # months that are also given names
# Capitalised words that are not names: sentence starters, hospital and recognition vocabulary, nicknames that are not
# a person's name. A run of capitalised words is cut at these, so "Thanks Walter Brooks" still yields "Walter Brooks".
STOP = MONTHS_AND_DAYS | STAFF_CUE_WORDS | words("""
    a an the and or but nor so yet for of in on at to from by with without within into onto over under about above
    below after before during since until till through throughout across around behind beside between beyond near
    off out up down upon via per than then as if when whenever while where wherever why how what which who whom whose
    this that these those there here it its i me my mine we our ours us you your he him his she her hers they them
    their one everyone everybody someone somebody anyone nobody none all both each every either neither some any many
    much more most few several other another such no not never always often sometimes usually also even just only
    still again once already almost very really too quite rather well yes ok okay please thanks thank kudos shoutout
    shout congrats congratulations bravo wow welcome hello hi hey dear happy huge big great good best better amazing
    awesome special new old first second third last next today tonight yesterday tomorrow morning afternoon evening
    night overnight week weekend month year day days hour shift shifts is was were are be been being am do does did
    have has had can could shall should might must let lets finally luckily recently thankfully quickly sadly
    clearly honestly seriously especially fortunately unfortunately hopefully initially eventually immediately truly
    certainly definitely personally ultimately apparently suddenly slowly gently calmly quietly patiently together
    instead meanwhile afterwards afterward later earlier soon now because although though despite whether plus
    however therefore otherwise anyway besides two three four five six seven eight nine ten spring fall winter
    icu ward wards floor floors pod pods bay wing tower hospital clinic center centre department dept health
    healthcare medical medicine surgery surgical pharmacy respiratory therapy therapies nursing nurse nurses doctor
    doctors physician physicians resident residents attending fellow intern interns team teams staff rounds round
    huddle huddles report handoff handover charge code blue rapid response family families patient patients pt safety
    quality experience care critical intensive emergency trauma cardiac cardiology neuro neurology oncology
    palliative hospice comfort rehab rehabilitation social work worker workers case management manager managers
    director leadership admin administration coordinator coordinators lab labs radiology imaging transport security
    advocate advocates liaison liaisons navigator navigators relations representative placement flow access
    sitter sitters satisfaction portal education engagement council
    spiritual environmental services service food nutrition dietary dietitian speech language pathology occupational
    physical therapist therapists technician tech techs pharmacist pharmacists volunteer volunteers interpreter
    interpreters stepdown step-down telemetry med surg ortho peds pediatrics maternity labor delivery cath dialysis
    infusion infection prevention control wound line lines pump pumps bed beds chair lift monitor vent ventilator
    oxygen unit units rc bingo card cards story stories relational coordination recognition award awards catch star
    stars hero heroes champion spotlight god lord jesus christ covid flu epic pyxis omnicell vocera zoom outlook
    google christmas thanksgiving easter halloween hanukkah ramadan diwali eid valentine memorial independence north
    south east west main street avenue road lane drive city county state usa america american history children
    english spanish french german chinese vietnamese russian arabic somali mandarin cantonese portuguese mr mrs ms
    miss mx mister dr doctor prof professor sir madam mom mum dad father mother sister brother
    mama papa momma poppa mamma bear bears owl owls hurricane whisperer whisperers rockstar rockstars superstar
    superstars superhero superheroes legend legends queen wizard ninja ninjas guru mvp sunshine
    squad crew gang posse brigade crusaders warriors avengers dream
    cafeteria cafe café lobby atrium chapel garden gardens courtyard lounge pavilion annex skybridge helipad
    harbor harbour magnet connections alert stroke sepsis supervisor supervisors officer officers user users
    superuser superusers specialist specialists assistant assistants associate associates engineer engineers
    analyst analysts educator educators mentor mentors preceptor preceptors lead leads""")
# A capitalised run containing one of these is an organisation, event, program or place, not a person.
ORG = words("""hospital clinic center centre institute university college school academy foundation association
    society committee council department unit program programme service services award awards week conference summit
    team group club church network system health healthcare medical memorial regional general street avenue road
    boulevard lane drive court way place county city company inc llc project initiative campaign fund office lab
    laboratory manor village scale syndrome disease affairs children guide guidelines meeting meetings toolkit checklist
    protocol policy bundle plan form board sheet template training course class series challenge event fair party
    potluck walk squad crew crews gang posse brigade garden gardens courtyard lounge cafeteria cafe café lobby atrium
    chapel pavilion annex tower wing pod pool harbor harbour magnet connections response whisperer whisperers owls cart
    huddle rounds committee bootcamp camp shuttle pantry closet sigma lean bluecross blueshield aetna cigna humana
    anthem medicare medicaid tricare unitedhealthcare""")
PARTICLES = words("van von de del della da di du la le bin al")

# Words for a patient's relative (a regular expression: plurals and in-laws included).
FAMILY = (r"(?:wife|husband|spouse|partner|son|daughter|child|kid|mother|father|mom|mum|mama|dad|papa|parent|sister"
          r"|brother|sibling|twin|grandson|granddaughter|grandchild|grandkid|grandmother|grandfather|grandma|grandpa"
          r"|granny|nana|aunt|auntie|uncle|niece|nephew|cousin|fianc[ée]e?|boyfriend|girlfriend|stepson"
          r"|stepdaughter|stepmother|stepfather|stepmom|stepdad|guardian|widow|widower|(?:grand|step)?children"
          r"|(?:son|daughter|mother|father|brother|sister)[\s-]in[\s-]law|esposa|esposo|hija|hijo|nieta|nieto)s?")
# Words for the patient, with the misspellings staff type in a hurry.
PATIENT_WORDS = r"(?:patient|pacient|paciente|pateint|paitent|patinet|patiant|pt)"

NUMBER_WORDS = (r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s-](?:one|two|three|four|five|six"
                r"|seven|eight|nine))?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen"
                r"|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)")

# ---------------------------------------------------------------------------------------------------- plain English
# Lower-case words that are not names, for the rare place where a name is written in lower case ("pt jones",
# "his wife linda"): a word there is taken for a name only when it is none of these.

_VERBS = words("""accept ache act add admit advise agree allow answer appear apply arrive ask assess assist attend
    avoid awake bathe beg begin believe belong bleed blink breathe bring brush build buzz call calm care carry catch
    change chart chat check chew choke clean clear climb close code collapse comb come comfort complain confirm consent
    continue cook cooperate cope cough count cover crash cry cut dance decide decline decompensate deny depend desat
    deserve die dine dislike drain draw dream dress drink drive drop eat end enjoy escape expect experience explain
    express fail fall feed feel fight fill find finish fix float follow forget get give go grab greet grimace grow
    hand hang happen hate head heal hear help hide hit hold hope hug hurt improve insist intubate joke jump keep kick
    kiss know laugh lay lead learn leave lie lift like listen live look lose love make manage mean meet mention mind
    miss move need nod note notice object offer open order pace page pass pause pay pee phone pick plan play plead
    point poop pray prefer prepare present progress promise pull push put question quit rally reach read realize
    recall receive recognize recover refuse rely remain remember remove repeat reply report request require respond
    rest return ring rise roll rub run satisfy say scream see seem seize sense settle shake share shout show shower
    sing sit sleep slip smile sneak snore speak spend spike spit stand stare start state stay step stop struggle suffer
    suggest swallow sweat take talk taste teach tear tell thank think throw tire tolerate touch transfer travel treat
    tremble trip try turn understand use vomit wait wake walk want warm wash watch wave wean wear weep whisper win wish
    wonder work worry write yell desaturate fidget wander wiggle mumble moan groan ambulate void urinate stabilize
    deteriorate crump brady tachy sat bake knit sew paint garden hunt fish farm ranch fly swim golf bowl ski hike
    camp sundown babble chuckle giggle sob tease flirt cheer clap hum whistle pout sulk nap doze snack sip gulp bite
    lick cuddle snuggle hold squeeze grip wiggle rock bounce crawl scoot shuffle limp stumble wobble hobble stroll
    march kneel lean slump sag slide shift sweep mop dust vacuum tidy fold iron knead stir bless forgive apologize
    visit text email call video facetime zoom skype mail post tweet blog vlog preach teach tutor coach mentor volunteer
    serve own rent fund donate sponsor raise adopt foster marry divorce date retire quit hire fire study graduate
    attend worship fast feast celebrate honor mourn grieve bury cremate""")
_IRREGULAR = words("""ate began begun bit bled brought built came caught chose did done drank drew driven drove fell
    felt fought flew forgot found gave given got gotten grew had heard held hid hit hurt kept knew known laid led left
    lent let lay lost made meant met paid put quit ran rang read rode rose said sat saw seen sent set shook shot showed
    shut sang sank slept slid spoke spent spit stood stole stuck swore swam took taken taught tore told thought threw
    understood woke woken wore won wrote gone went""")
_NOUNS = words("""ability abdomen ace admission admit advocate airway alarm allergy ambulance anxiety appetite
    appointment arm assessment assignment baby bag band bandage bath bathroom bedside belly bipap blanket blood board
    body bone bowel brain break breakfast breath bp bracelet brother call care case cast catheter census chair chart
    chest chemo child clothes code coffee condition confusion consult course cream cup daughter death delirium
    diagnosis diet dinner discharge disease dose drain dressing drip drug ear eval exam eye face fear fever fluid
    foot glasses goal gown hair hand head heart help home hope ice iv injury insulin intake isolation juice kid leg
    level life load lunch lung mask meal meds medication mind mood mouth mri music nap nausea neck nerve nose note
    number o2 order output pacer pain parent pee phone pillow pressure question ratio record recovery result ring sats
    scan schedule score sedation side sign skin son socks speech status stomach stool stretcher swallow symptom tablet
    temp test throat time tube tv urine visit visitor vitals voice walker water weight wheelchair wife husband mom dad
    mother father sister son girl boy man woman lady guy gentleman friend folks people person everyone pts peeps
    transport transfer assignment assignments acuity teaching advocacy satisfaction experience identifiers identifier
    identification id information info privacy names name list lists rooms beds floor unit hall hallway door window
    sink toilet commode shower tray trays cart supplies supply gloves gown gowns mask masks suction trach vent foley
    picc ng peg line lines labs lab bloodwork culture cultures xray x-ray ekg ecg echo ct cxr abg ua meds pills pill
    tablet tablets shot shots needle needles stick sticks iv ivs fall falls restraint restraints alarm alarms bell
    bells light lights call-light call-lights button buttons remote remotes bed-pan bedpan cookie cake pie bread soup
    candy chocolate donut flower card balloon gift hat sock scarf quilt blanket picture photo drawing letter poem song
    prayer rosary bible book magazine puzzle game dog cat pet bird horse cow truck car farm ranch house garden church
    job career army navy marine vet veteran teacher farmer rancher miner trucker cowboy""")
_ADJECTIVES = words("""able afraid agitated alert alive alone angry anxious asleep awake bad better big bright calm
    careful cold comfortable confused content critical dead dizzy down drowsy dry easy emotional fine full glad
    grateful great happy hard heavy high hot hungry ill independent kind late lethargic little long loud low lucky mad
    nervous new nice nonverbal normal nauseous okay old pale pleasant polite positive quiet ready restless rude sad safe
    scared septic short sick slow small sore stable steady strong sweet tearful tired unable unstable upset warm weak
    well worried young combative withdrawn tachycardic bradycardic hypotensive hypoxic febrile afebrile intubated
    extubated sedated responsive unresponsive oriented disoriented cooperative uncooperative compliant noncompliant
    frail elderly sweet grumpy cranky funny chatty feisty stubborn lovely adorable brave tough sleepy awesome cute
    gorgeous beautiful wonderful precious demented pleasantly super mega ultra total totally first last next own same
    different whole entire only sure stoked thrilled excited relieved""")
_SMALL = words("""a an the and or but so yet for of in on at to from by with w wo w/ w/o without into onto over under
    about after before during since until till thru through via per than then as if when while where why how what
    which who whom whose this that these those there here it its i me my we our us you your he him his she her they
    them their one all both each every some any many much more most few other another such no not never always often
    also even just only still again once already almost very really too quite well yes ok okay is was were are be
    been being am do does did have has had can could shall should might must will would may let lets got get gets
    getting aka bc b/c cuz cause tho thx pls plz u ur yr yrs hr hrs min mins sec am pm asap prn npo dnr dni ama abx hx
    dx tx sx rx fx pna uti chf copd htn dm afib sob gi gu ed er or ot rt slp icu ccu sicu micu pacu cvicu nicu picu rn
    lpn cna np pa md ekg ecg ct mri cxr abg bmp cbc cmp etc ie eg re vs x y z pt pts pt's today tonight yesterday
    tomorrow now later soon earlier morning night noon evening afternoon overnight week weekend day days hour hours
    minute minutes time times shift shifts home back up down out off away around again ever every everything nothing
    something anything everybody nobody somebody anybody lol omg haha yay yep nope yeah nah oh ah um hmm
    don't can't couldn't wouldn't shouldn't won't isn't wasn't didn't doesn't hasn't haven't hadn't aren't weren't
    i'm i've i'll i'd he'd she'd they'd we'd you'd he'll she'll they'll we'll you'll we're they're you're we've
    they've you've dont cant couldnt wouldnt shouldnt wont isnt wasnt didnt doesnt hasnt havent hadnt arent werent
    im ive theyre youre weve theyve""")
_SPANISH = words("""el la los las un una unos unas y o que de del en con por para muy pero no si sí su sus es esta
    está estaba estuvo fue era son tiene tenía tenia quería queria quiere dijo dice gracias señora señor senora senor
    don doña familia hija hijo esposa esposo mamá mama papá papa abuela abuelo cama cuarto habitación habitacion
    paciente enfermera enfermero doctor doctora comer comida agua todo toda todos bien mal mucho mucha poco poca hoy
    ayer mañana manana noche día dia años anos me te se le lo nos ya más mas menos también tambien cuando como porque
    pues bueno buena""")


def _inflections(base: str) -> set[str]:
    forms = {base, base + "s", base + "es", base + "ed", base + "d", base + "ing", base + "er", base + "ers"}
    if base.endswith("e"):
        forms |= {base[:-1] + "ing", base[:-1] + "er"}
    if base.endswith("y"):
        forms |= {base[:-1] + "ies", base[:-1] + "ied"}
    if len(base) >= 3 and base[-1] not in "aeiouwxy" and base[-2] in "aeiou" and base[-3] not in "aeiou":
        forms |= {base + base[-1] + "ed", base + base[-1] + "ing", base + base[-1] + "er"}  # "stopped", "sitting"
    return forms


COMMON = frozenset(
    {form for base in _VERBS for form in _inflections(base)}
    | {form for noun in _NOUNS for form in (noun, noun + "s", noun + "es")}
    | _IRREGULAR | _ADJECTIVES | _SMALL | _SPANISH | STOP)
ENGLISH = COMMON - _SPANISH  # plain English words that are no common Spanish word
# Endings of English words that are seldom a surname: "ambulated", "sleeping", "quickly", "education", "tolerates".
_PLAIN_ENDINGS = ("ed", "ing", "ly", "tion", "tions", "sion", "ment", "ments", "ness", "ity", "ance", "ence", "ous",
                  "ful", "less", "able", "ible", "ive", "ize", "ise", "izes", "ises", "ized", "ised")
_NAMES_WITH_PLAIN_ENDINGS = words("""ahmed mohammed mohamed muhammed mahmoud reed ted fred ned jed mildred winifred
    alfred wilfred manfred siegfried king ming ling ching ying sterling irving ewing manning harding fleming browning
    golding downing cushing hastings channing""")


def plain_word(word: str) -> bool:
    """Whether a lower-case word is ordinary English (or a common Spanish word), not a name."""
    word = word.lower().replace("’", "'").strip("'")
    if word in COMMON:
        return True
    if word in _NAMES_WITH_PLAIN_ENDINGS:
        return False
    if len(word) >= 5 and word.endswith(_PLAIN_ENDINGS):
        return True
    parts = [part for part in word.replace("'", "-").split("-") if part]
    return len(parts) > 1 and all(part in COMMON or len(part) == 1 for part in parts)  # "fix-it", "step-by-step"
