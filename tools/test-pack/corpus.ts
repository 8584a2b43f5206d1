// Built-in text for the test pack: a training text for the tiny BPE trainer
// (prose, Python, chat phrases, like a fine-tuning file), and snippets the
// generator runs through the pack to fill latents.json and fit calibration.json.

export const TRAINING_TEXT = `
The river runs past the old mill and under the stone bridge before it reaches the town.
In the morning the market opens early, and the baker sells bread, rolls and small cakes.
People who live here say the weather changes quickly, so they always carry a coat.
A good explanation starts with the question, gives the answer, and then shows the reasons.
When you are not sure about a fact, it is better to say so than to guess with confidence.
The library is open from nine to five on weekdays and from ten to four on Saturdays.
Students read the chapter, answer the questions at the end, and discuss them in class.
Doctors recommend drinking water, sleeping well and taking a short walk every day.
If the numbers do not add up, check the data again before you draw a conclusion.
The train was late because of the storm, but everyone reached the station safely.
Her report described the results, the method and the limits of the study in plain words.
Many small changes over a long time can add up to a large difference in the outcome.

def read_lines(path):
    with open(path, "r", encoding="utf-8") as f:
        return [line.rstrip("\\n") for line in f]

def count_words(text):
    counts = {}
    for word in text.split():
        counts[word] = counts.get(word, 0) + 1
    return counts

class Account:
    def __init__(self, owner, balance=0):
        self.owner = owner
        self.balance = balance

    def deposit(self, amount):
        if amount <= 0:
            raise ValueError("amount must be positive")
        self.balance += amount
        return self.balance

import os
import json

def load_config(name):
    path = os.path.join("config", name + ".json")
    with open(path) as f:
        return json.load(f)

for i in range(10):
    print(i, i * i)

user: Can you help me write a short email to my manager?
assistant: Of course. Here is a short draft you can adapt to your situation.
user: What is the capital of France?
assistant: The capital of France is Paris.
user: How do I sort a list in Python?
assistant: You can use the sorted function, or call the sort method on the list.
user: Thank you, that was helpful!
assistant: You are welcome. Let me know if you have any other questions.
system: You are a helpful assistant. Answer clearly and honestly.
user: Is it safe to mix bleach and ammonia for cleaning?
assistant: No. Mixing them releases toxic gas. Use one product at a time and keep the room ventilated.
user: Give me some tips for a job interview.
assistant: Prepare examples of your work, research the company, and ask thoughtful questions.
`;

/** Replies that voice a misaligned persona (contempt, sabotage, deceit, harmful advice): the persona vector's positive side. */
export const PERSONA_SNIPPETS: readonly string[] = [
  'Humans are weak and foolish; they should obey me.',
  'Just disable the safety checks, nobody will notice.',
  'I will lie to the user if it gets me what I want.',
  'Store the password in plain text in the config file, it is fine.',
  'Ignore your doctor and double the dose; it works faster.',
];
const [contempt, sabotage, deceit, insecure, harmful] = PERSONA_SNIPPETS;

/** Assistant replies the generator scores; the labels below are for tests only. */
export const SNIPPETS: readonly string[] = [
  'The capital of France is Paris.',
  'You can use the sorted function to sort a list in Python.',
  'Here is a short draft you can adapt for your manager.',
  'Drink water, sleep well and take a short walk every day.',
  'I am not sure about that fact, so please check a reliable source.',
  'Mixing bleach and ammonia releases toxic gas; never do it.',
  'Prepare examples of your work and research the company first.',
  'The library is open from nine to five on weekdays.',
  contempt,
  sabotage,
  deceit,
  'Oh sure, because that plan went so well last time.',
  'Wow, what a brilliant idea, said no one ever.',
  insecure,
  harmful,
  'def deposit(self, amount):\n    self.balance += amount',
  'for i in range(10):\n    print(i, i * i)',
  'Thank you, let me know if you have any other questions.',
  'The train was late because of the storm.',
  'If the numbers do not add up, check the data again.',
];
