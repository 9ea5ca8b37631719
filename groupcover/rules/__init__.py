"""Pure domain rules of the program: no Flask, no SQL, no clock.

Each module restates part of seed 004 (「サイバー保険」の概要) as functions that take plain
values; "today" is always a parameter.
"""
