#!/usr/bin/python3
"""Write a programme TSV of N sessions (default 10,000) over the 2018
topics: dates, ranges, times and undecided windows, all valid."""
import random
import sys

MESES = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
         "agosto", "septiembre", "octubre", "noviembre", "diciembre"]
DIAS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
TOPICS = ["1.1", "1.2", "1.3", "1.5", "2.5", "2.7", "3.1", "4.1", "4.5"]

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
rnd = random.Random(2018)
print("n\tmonth\ttitle\tfecha_posible\tobservaciones\ttemas")
for i in range(1, n + 1):
    m = rnd.randrange(12)
    d = rnd.randrange(1, DIAS[m] + 1)
    r = rnd.random()
    if r < 0.6:
        words = "%d de %s" % (d, MESES[m])
    elif r < 0.75:
        words = "%d de %s, %02d:00 h" % (d, MESES[m], rnd.randrange(8, 19))
    elif r < 0.9 and d < DIAS[m]:
        words = "%d al %d de %s" % (d, rnd.randrange(d + 1, DIAS[m] + 1), MESES[m])
    else:
        words = "Fecha por definir"
    topics = ";".join(sorted(set(rnd.sample(TOPICS, rnd.randrange(1, 3)))))
    print("%d\t%s\tSesión de trabajo número %d sobre la agenda multilateral, con organizaciones de la sociedad civil\t%s\tObservación %d\t%s"
          % (i, MESES[m].upper(), i, words, i, topics))
