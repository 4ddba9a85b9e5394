"""The matching engine: pure Python and NumPy over plain data, no Flask.

`tables` turns plain records into column arrays, `criteria` defines every criterion once
(over arrays, so one definition serves a single pair and a whole batch), `engine` runs them
in batches and keeps the best, `explain` turns a pair into reasons in Chinese and English.
"""
