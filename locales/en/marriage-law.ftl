# loa — English: questions about marriage law (Law on Marriage and Family 2014, No. 52/2014/QH13;
# see vi/marriage-law.ftl for the articles each fact comes from).

marriage-age-title = Legal age to marry
marriage-age-body = Law on Marriage and Family 2014, Article 8: a man may marry from full 20 years of age, a woman from full 18 years of age, counted from the date of birth. Both must choose freely, and the marriage must be registered at the commune People's Committee.
marriage-child-title = Child marriage
marriage-child-body = Child marriage is marrying when one or both are under the legal age: a man under 20, a woman under 18 (Article 3). Article 5 of the Law on Marriage and Family 2014 prohibits child marriage and forced marriage. It harms the health of mother and baby and ends schooling. If you know of one, tell the commune People's Committee.
marriage-kin-title = Marriage between relatives
marriage-kin-body = Article 5 of the Law on Marriage and Family 2014 prohibits marrying or living as husband and wife between people of the same direct blood line (parents and children, grandparents and grandchildren) and between relatives within three generations: brothers and sisters, half ones too, and first cousins. Their children more often have inherited diseases.
