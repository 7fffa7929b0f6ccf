"""The demo seminar: the reference announcement (TU Munich, "Theoretical Advances in
Deep Learning") as it would stand in early August, before the preference phase ends.

Everything is created through the same services an organiser's commands use, so
the demo database is exactly what a real seminar would hold.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.catalogue import PaperFields
from bot.core.services import Services

TIMEZONE = "Europe/Berlin"
# Monday of the week the preference form closes: the whole semester lies ahead.
START = datetime(2026, 8, 3, 9, 0, tzinfo=ZoneInfo(TIMEZONE))
TITLE = "Theoretical Advances in Deep Learning"
TERM = "Winter semester 2026/27 · Master seminar IN2107, IN4409 · 5 ECTS, 2 SWS"
CONTACT = (
    "Alexandru Crăciun <a.craciun@tum.de> (main coordinator), "
    "Maedeh Zarvandi <maedeh.zarvandi@tum.de>, "
    "Prof. Debarghya Ghoshdastidar <ghoshdas@cit.tum.de>"
)
CAPACITY = 20
ORGANISER = "organiser"
# A console name -> its account id (a new name is a new member).
AccountOf = Callable[[str], Awaitable[int]]
STUDENTS = (
    "alice", "bob", "carol", "dave", "erin", "frank",
    "grace", "heidi", "ivan", "judy", "kim", "leo",
)  # fmt: skip

TRAINING = "Training dynamics, stability and implicit bias"
LLM = "Theory of LLMs: expressivity"
WIDE = "Over-parameterised networks (infinite width)"
DOUBLE = "Double descent"
KERNEL = "Kernel unsupervised / self-supervised learning"
ROBUST = "Adversarial ML and robustness"


def _paper(code: str, title: str, authors: str, venue: str, arxiv: str, topic: str) -> PaperFields:
    return PaperFields(
        code=code, title=title, authors=authors, venue=venue, arxiv=arxiv, topic=topic
    )


PAPERS = (
    _paper(
        "wei-ma-2019",
        "Data-dependent Sample Complexity of Deep Neural Networks via Lipschitz Augmentation",
        "Colin Wei, Tengyu Ma",
        "NeurIPS 2019",
        "1905.03684",
        TRAINING,
    ),
    _paper(
        "soudry-2018",
        "The Implicit Bias of Gradient Descent on Separable Data",
        "Daniel Soudry, Elad Hoffer, Mor Shpigel Nacson, Suriya Gunasekar, Nathan Srebro",
        "ICLR 2018",
        "1710.10345",
        TRAINING,
    ),
    _paper(
        "lyu-li-2020",
        "Gradient Descent Maximizes the Margin of Homogeneous Neural Networks",
        "Kaifeng Lyu, Jian Li",
        "ICLR 2020",
        "1906.05890",
        TRAINING,
    ),
    _paper(
        "cohen-2021",
        "Gradient Descent on Neural Networks Typically Occurs at the Edge of Stability",
        "Jeremy Cohen, Simran Kaur, Yuanzhi Li, J. Zico Kolter, Ameet Talwalkar",
        "ICLR 2021",
        "2103.00065",
        TRAINING,
    ),
    _paper(
        "barrett-dherin-2021",
        "Implicit Gradient Regularization",
        "David G. T. Barrett, Benoit Dherin",
        "ICLR 2021",
        "2009.11162",
        TRAINING,
    ),
    _paper(
        "merrill-2024",
        "The Expressive Power of Transformers with Chain of Thought",
        "William Merrill, Ashish Sabharwal",
        "ICLR 2024",
        "2310.07923",
        LLM,
    ),
    _paper(
        "feng-2023",
        "Towards Revealing the Mystery behind Chain of Thought: A Theoretical Perspective",
        "Guhao Feng, Bohang Zhang, Yuntian Gu, Haotian Ye, Di He, Liwei Wang",
        "NeurIPS 2023",
        "2305.15408",
        LLM,
    ),
    _paper(
        "li-2024",
        "Chain of Thought Empowers Transformers to Solve Inherently Serial Problems",
        "Zhiyuan Li, Hong Liu, Denny Zhou, Tengyu Ma",
        "ICLR 2024",
        "2402.12875",
        LLM,
    ),
    _paper(
        "merrill-2022",
        "Saturated Transformers are Constant-Depth Threshold Circuits",
        "William Merrill, Ashish Sabharwal, Noah A. Smith",
        "TACL 2022",
        "2106.16213",
        LLM,
    ),
    _paper(
        "jacot-2018",
        "Neural Tangent Kernel: Convergence and Generalization in Neural Networks",
        "Arthur Jacot, Franck Gabriel, Clément Hongler",
        "NeurIPS 2018",
        "1806.07572",
        WIDE,
    ),
    _paper(
        "lee-2019",
        "Wide Neural Networks of Any Depth Evolve as Linear Models Under Gradient Descent",
        "Jaehoon Lee, Lechao Xiao, Samuel S. Schoenholz, Yasaman Bahri, Roman Novak, "
        "Jascha Sohl-Dickstein, Jeffrey Pennington",
        "NeurIPS 2019",
        "1902.06720",
        WIDE,
    ),
    _paper(
        "chizat-2019",
        "On Lazy Training in Differentiable Programming",
        "Lénaïc Chizat, Edouard Oyallon, Francis Bach",
        "NeurIPS 2019",
        "1812.07956",
        WIDE,
    ),
    _paper(
        "arora-2019",
        "On Exact Computation with an Infinitely Wide Neural Net",
        "Sanjeev Arora, Simon S. Du, Wei Hu, Zhiyuan Li, Ruslan Salakhutdinov, Ruosong Wang",
        "NeurIPS 2019",
        "1904.11955",
        WIDE,
    ),
    _paper(
        "du-2019",
        "Gradient Descent Provably Optimizes Over-parameterized Neural Networks",
        "Simon S. Du, Xiyu Zhai, Barnabás Póczos, Aarti Singh",
        "ICLR 2019",
        "1810.02054",
        WIDE,
    ),
    _paper(
        "belkin-2019",
        "Reconciling modern machine-learning practice and the classical bias-variance trade-off",
        "Mikhail Belkin, Daniel Hsu, Siyuan Ma, Soumik Mandal",
        "PNAS 2019",
        "1812.11118",
        DOUBLE,
    ),
    _paper(
        "nakkiran-2020",
        "Deep Double Descent: Where Bigger Models and More Data Hurt",
        "Preetum Nakkiran, Gal Kaplun, Yamini Bansal, Tristan Yang, Boaz Barak, Ilya Sutskever",
        "ICLR 2020",
        "1912.02292",
        DOUBLE,
    ),
    _paper(
        "hastie-2022",
        "Surprises in High-Dimensional Ridgeless Least Squares Interpolation",
        "Trevor Hastie, Andrea Montanari, Saharon Rosset, Ryan J. Tibshirani",
        "Annals of Statistics 2022",
        "1903.08560",
        DOUBLE,
    ),
    _paper(
        "bartlett-2020",
        "Benign Overfitting in Linear Regression",
        "Peter L. Bartlett, Philip M. Long, Gábor Lugosi, Alexander Tsigler",
        "PNAS 2020",
        "1906.11300",
        DOUBLE,
    ),
    _paper(
        "mei-montanari-2022",
        "The Generalization Error of Random Features Regression: Precise Asymptotics "
        "and the Double Descent Curve",
        "Song Mei, Andrea Montanari",
        "Communications on Pure and Applied Mathematics 2022",
        "1908.05355",
        DOUBLE,
    ),
    _paper(
        "arora-2019b",
        "A Theoretical Analysis of Contrastive Unsupervised Representation Learning",
        "Sanjeev Arora, Hrishikesh Khandeparkar, Mikhail Khodak, Orestis Plevrakis, Nikunj Saunshi",
        "ICML 2019",
        "1902.09229",
        KERNEL,
    ),
    _paper(
        "haochen-2021",
        "Provable Guarantees for Self-Supervised Deep Learning with Spectral Contrastive Loss",
        "Jeff Z. HaoChen, Colin Wei, Adrien Gaidon, Tengyu Ma",
        "NeurIPS 2021",
        "2106.04156",
        KERNEL,
    ),
    _paper(
        "wang-isola-2020",
        "Understanding Contrastive Representation Learning through Alignment and "
        "Uniformity on the Hypersphere",
        "Tongzhou Wang, Phillip Isola",
        "ICML 2020",
        "2005.10242",
        KERNEL,
    ),
    _paper(
        "lee-2021",
        "Predicting What You Already Know Helps: Provable Self-Supervised Learning",
        "Jason D. Lee, Qi Lei, Nikunj Saunshi, Jiacheng Zhuo",
        "NeurIPS 2021",
        "2008.01064",
        KERNEL,
    ),
    _paper(
        "goodfellow-2015",
        "Explaining and Harnessing Adversarial Examples",
        "Ian J. Goodfellow, Jonathon Shlens, Christian Szegedy",
        "ICLR 2015",
        "1412.6572",
        ROBUST,
    ),
    _paper(
        "madry-2018",
        "Towards Deep Learning Models Resistant to Adversarial Attacks",
        "Aleksander Madry, Aleksandar Makelov, Ludwig Schmidt, Dimitris Tsipras, Adrian Vladu",
        "ICLR 2018",
        "1706.06083",
        ROBUST,
    ),
    _paper(
        "cohen-2019",
        "Certified Adversarial Robustness via Randomized Smoothing",
        "Jeremy Cohen, Elan Rosenfeld, J. Zico Kolter",
        "ICML 2019",
        "1902.02918",
        ROBUST,
    ),
    _paper(
        "schmidt-2018",
        "Adversarially Robust Generalization Requires More Data",
        "Ludwig Schmidt, Shibani Santurkar, Dimitris Tsipras, Kunal Talwar, Aleksander Madry",
        "NeurIPS 2018",
        "1804.11285",
        ROBUST,
    ),
    _paper(
        "yin-2019",
        "Rademacher Complexity for Adversarially Robust Generalization",
        "Dong Yin, Kannan Ramchandran, Peter Bartlett",
        "ICML 2019",
        "1810.11914",
        ROBUST,
    ),
)


@dataclass(frozen=True)
class Milestone:
    kind: str
    when: str  # in TIMEZONE
    reminders: str
    note: str


# The announcement's tentative timeline, dated for the winter semester 2026/27.
TIMELINE = (
    Milestone(
        "preferences",
        "2026-08-31 23:59",
        "7d,1d,2h",
        "Rank at least three papers of the catalogue.",
    ),
    Milestone(
        "first-meeting",
        "2026-10-21 14:00",
        "7d,1d",
        "First meeting: assignments, reports and organisation (seminar room 03.19.014).",
    ),
    Milestone("deregistration", "2026-11-01 23:59", "7d,1d,2h", "After this you stay registered."),
    Milestone(
        "report",
        "2027-01-15 23:59",
        "7d,1d,2h",
        "Summary, review and proof sketch; follow the longer arXiv version.",
    ),
    Milestone("slides", "2027-01-15 23:59", "7d,1d,2h", "A first version of your slides."),
    Milestone(
        "presentation",
        "2027-02-15 09:00",
        "7d,1d",
        "Block seminar; everyone attends all talks.",
    ),
)

# (weekday, start, minutes, place, first, last): weekly 2 h through the semester.
OFFICE_HOURS = ("wednesday", "14:00", 120, "Seminar room 03.19.014", "2026-10-21", "2027-02-10")

# Nine of the twelve have ranked already; the preference reminders reach the rest.
RANKINGS = {
    "alice": ("jacot-2018", "lee-2019", "chizat-2019"),
    "bob": ("merrill-2024", "feng-2023", "li-2024"),
    "carol": ("belkin-2019", "nakkiran-2020", "hastie-2022"),
    "dave": ("jacot-2018", "du-2019", "arora-2019"),
    "erin": ("madry-2018", "cohen-2019", "goodfellow-2015"),
    "frank": ("soudry-2018", "lyu-li-2020", "wei-ma-2019"),
    "grace": ("haochen-2021", "arora-2019b", "wang-isola-2020"),
    "heidi": ("cohen-2021", "barrett-dherin-2021", "soudry-2018"),
    "ivan": ("merrill-2024", "merrill-2022", "li-2024"),
}


async def build(services: Services, place_id: int, account_of: AccountOf) -> None:
    """Fill an empty database with the reference seminar, as of `START`."""
    organiser = await account_of(ORGANISER)
    await services.seminars.setup(
        place_id,
        organiser,
        title=TITLE,
        term=TERM,
        channel_id=place_id,
        timezone=TIMEZONE,
        capacity=CAPACITY,
        pref_count=3,
        contact=CONTACT,
    )
    for fields in PAPERS:
        await services.papers.add(place_id, organiser, fields)
    for milestone in TIMELINE:
        await services.deadlines.set(
            place_id,
            organiser,
            milestone.kind,
            milestone.when,
            milestone.reminders,
            milestone.note,
        )
    weekday, start, minutes, where, first, last = OFFICE_HOURS
    await services.office_hours.set(
        place_id,
        organiser,
        weekday=weekday,
        start=start,
        duration=minutes,
        place=where,
        first=first,
        last=last,
    )
    for name in STUDENTS:
        account_id = await account_of(name)
        await services.registration.join(place_id, account_id, name)
        if name in RANKINGS:
            await services.preferences.set(place_id, account_id, RANKINGS[name])
