"""Measuring the risk detector, apart from what runs: none of this is loaded by the NLU component
or read when the model is trained (bot/train.py), so editing it never forces a retrain.

evaluate.py (the rules on tests/risk/eval_set.tsv and the holdout set), evaluate_pipeline.py (the whole
trained pipeline), report.py (rules and scorer per split against the rules-only baseline), outcomes.py
(what a message leads to, shared by report and tune), tune.py (thresholds from the dev split),
splits.py (the train/dev/test split files from the written corpus), bench.py (detector speed).
"""
