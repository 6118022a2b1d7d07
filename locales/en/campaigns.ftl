# loa — English: awareness campaigns (Project 9.2: reducing child marriage and consanguineous marriage),
# the quiz, and questions and answers by SMS (HOI). See vi/campaigns.ftl for the articles each fact
# comes from. Every campaign message and question, unaccented, must fit two SMS (306 characters).

kw-ask = ASK, QUESTION

ask-list = Loa questions, send HOI and a number: { $list }.
ask-unknown = There is no such topic. Send HOI to see the topics.

ask-alias-age = AGE, MARRIAGE AGE
ask-alias-child = CHILD MARRIAGE
ask-alias-kin = RELATIVES, CONSANGUINEOUS
ask-alias-legal-aid = LEGAL AID
ask-alias-programme = SUPPORT, PROGRAMME

ask-legal-aid-title = Legal aid
ask-legal-aid-body = Legal aid is free advice, representation and defence. Ethnic-minority people living in areas of especially difficult socio-economic conditions, members of poor households and children are entitled to it (Law on Legal Aid 2017, Article 7). Send TGPL to ask for it, or contact the provincial state legal aid centre or the commune People's Committee.
ask-programme-title = Support programme
ask-programme-body = The National Target Program for ethnic-minority and mountain areas (Decision 1719/QD-TTg) supports housing, land for production, clean water, forest protection, vocational training, and the health of mothers and children. Send TT to see your household's support; register at the commune People's Committee.

quiz-right = Right! Thank you for taking part in the legal quiz.
quiz-wrong = Not quite: the right answer is { $answer }. Thank you for taking part.
quiz-repeat = You already answered this question; only the first answer counts.
quiz-closed = The quiz has closed, so this answer does not count. Thank you.

vd-cm-age = Loa: under Article 8 of the Law on Marriage and Family 2014, a man may marry from full 20 years of age, a woman from full 18. Marrying when one or both are younger is child marriage, prohibited by Article 5. Send HOI to ask more.
vd-cm-health = Loa: child marriage harms health. A mother who is too young faces more complications in pregnancy and birth; her baby is more often premature, underweight or malnourished. Let young people reach the legal age and good health before they marry.
vd-cm-school = Loa: child marriage makes children leave school and lose the chance to learn a trade and find work; young families more often fall into poverty and conflict. Parents, do not push children to marry early: forced marriage is prohibited too (Article 5).
vd-cm-kin = Loa: the law prohibits marriage between people of the same direct blood line (parents and children, grandparents and grandchildren) and between relatives within three generations: brothers and sisters, half ones too, and first cousins (Article 5).
vd-cm-kin-harm = Loa: children of consanguineous marriages more often have inherited diseases (such as thalassaemia), birth defects and slow development. Before marrying, learn your family ties and have a premarital health check at the commune health station.
vd-cm-help = Loa: if you know of a child marriage, a marriage between close relatives or a forced marriage, tell the village head or the commune People's Committee. For legal advice, contact the provincial state legal aid centre, free for ethnic-minority people in especially difficult areas.

quiz-cm-1 = Legal quiz, question 1: under the Law on Marriage and Family 2014, from what age may a woman marry? A. Full 16. B. Full 18. C. Full 20. Reply A, B or C.
quiz-cm-2 = Legal quiz, question 2: under the Law on Marriage and Family 2014, from what age may a man marry? A. Full 18. B. Full 19. C. Full 20. Reply A, B or C.
quiz-cm-3 = Legal quiz, question 3: who may not marry each other? A. First cousins. B. People of different ethnic groups. C. People from different communes. Reply A, B or C.
quiz-cm-4 = Legal quiz, question 4: if you know of a child marriage in the village, whom should you tell? A. Nobody. B. The village head or the commune People's Committee. C. Only your family. Reply A, B or C.
