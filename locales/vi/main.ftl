# loa — Vietnamese (the fallback of every other language: every message must be here).
# SMS replies: short. A reply with diacritics goes as UCS-2 (70 characters a part); the
# unaccented form (KD) goes as GSM-7 (160). Tests check each reply's part budget.

## Keywords a villager may type: comma-separated aliases. They are matched without case,
## spaces or diacritics, in every language at once, so an alias may not mean two things.

kw-help = HD, TRO GIUP, HUONG DAN
kw-language = NN, NGON NGU
kw-script = KD, KHONG DAU
kw-stop = HUY, DUNG, TU CHOI
kw-start = DK, DANG KY
kw-confirm = OK, DONG Y

## Consent topics, as a villager names them after HUY or DK (HUY TB: stop notices only).

topic-notice = TB, THONG BAO
topic-campaign = VD, VAN DONG
topic-reminder = NH, NHAC HEN
topic-name-notice = thông báo
topic-name-campaign = vận động
topic-name-reminder = nhắc hẹn

## Language names, as they read inside a sentence ("Đã chọn tiếng Việt"); menus capitalize
## the first letter themselves.

language-name-vi = tiếng Việt
language-name-en = tiếng Anh
language-name-tyz = tiếng Tày
language-name-nut = tiếng Nùng
language-name-ium = tiếng Dao
language-name-hmn = tiếng Mông

## SMS replies

help = Loa xã: TT tra cứu hỗ trợ, NN chọn ngôn ngữ, KD nhận tin không dấu, HUY ngừng nhận tin, DK nhận lại tin.
unknown-command = Loa xã chưa hiểu tin nhắn. Nhắn HD để xem hướng dẫn.
language-set = Đã chọn { $name }. Nhắn HD để xem hướng dẫn.
# A language with no translated message yet: every reply comes in Vietnamese.
language-set-fallback = Đã chọn { $name }. Chưa có bản dịch: sẽ nhắn bằng tiếng Việt cho đến khi có bản dịch.
# A language with some messages translated: the others come in Vietnamese.
language-set-partial = Đã chọn { $name }. Một số tin nhắn còn bằng tiếng Việt đến khi dịch xong.
language-list = Nhắn NN và mã ngôn ngữ: { $list }.
language-unknown = Chưa có ngôn ngữ { $code }. Nhắn NN và một mã: { $list }.
script-unaccented = Da chuyen sang tin nhan khong dau. Nhan KD de dung lai tieng Viet co dau.
script-full = Đã chuyển sang tiếng Việt có dấu. Nhắn KD để nhận tin không dấu.
stopped-all = Bạn đã ngừng nhận tin thông báo, vận động và nhắc hẹn. Nhắn DK để nhận lại.
stopped-topic = Bạn đã ngừng nhận tin { $topic }. Nhắn DK để nhận lại.
started-all = Bạn sẽ nhận lại tin của Loa xã. Nhắn HUY để ngừng.
started-topic = Bạn sẽ nhận lại tin { $topic }. Nhắn HUY để ngừng.

## Confirming a preview (a notice, a campaign) with OK.

confirm-nothing = Không có tin nào chờ xác nhận.
confirm-late = Đã quá { $minutes } phút nên tin chưa được gửi. Gửi lại lệnh để xem trước rồi nhắn OK.
