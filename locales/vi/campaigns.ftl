# loa — Vietnamese: awareness campaigns (Đề án 9.2: giảm thiểu tình trạng tảo hôn và hôn nhân cận huyết),
# the quiz, and questions and answers by SMS (HOI).
# Facts from the Luật Hôn nhân và gia đình 2014 (số 52/2014/QH13): Điều 8 khoản 1 điểm a (tuổi kết hôn),
# Điều 3 khoản 8, 17, 18 (định nghĩa), Điều 5 khoản 2 điểm b và d (cấm tảo hôn, cưỡng ép kết hôn,
# kết hôn giữa người cùng dòng máu về trực hệ, có họ trong phạm vi ba đời); Luật Trợ giúp pháp lý
# 2017, Điều 7 (người được trợ giúp pháp lý). Change a fact only against the law's text.
# Every campaign message and quiz question, written without diacritics, must fit two SMS (306
# characters): a test checks it.

## Keyword: HOI lists the topics, HOI <số hoặc chủ đề> answers.

kw-ask = HOI, HOI DAP

ask-list = Hỏi đáp Loa xã, nhắn HOI và số: { $list }.
ask-unknown = Chưa có chủ đề đó. Nhắn HOI để xem các chủ đề.

## The words after HOI that name each topic (besides its number).

ask-alias-age = TUOI, TUOI KET HON
ask-alias-child = TAO HON
ask-alias-kin = CAN HUYET, KET HON CAN HUYET
ask-alias-legal-aid = TGPL, PHAP LY, TRO GIUP PHAP LY
ask-alias-programme = HO TRO, CHUONG TRINH

## Topics of their own (the marriage-law topics are in marriage-law.ftl, shared with USSD).

ask-legal-aid-title = Trợ giúp pháp lý
ask-legal-aid-body = Trợ giúp pháp lý là tư vấn, đại diện, bào chữa miễn phí. Người dân tộc thiểu số cư trú ở vùng có điều kiện kinh tế - xã hội đặc biệt khó khăn, người thuộc hộ nghèo, trẻ em được trợ giúp pháp lý (Điều 7 Luật Trợ giúp pháp lý 2017). Nhắn TGPL để đề nghị trợ giúp, hoặc liên hệ Trung tâm trợ giúp pháp lý nhà nước của tỉnh, UBND xã.
ask-programme-title = Chương trình hỗ trợ
ask-programme-body = Chương trình mục tiêu quốc gia phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số và miền núi (Quyết định 1719/QĐ-TTg) hỗ trợ nhà ở, đất sản xuất, nước sinh hoạt, bảo vệ rừng, học nghề, chăm sóc sức khỏe bà mẹ, trẻ em. Nhắn TT để xem hỗ trợ của hộ bạn; đăng ký tại UBND xã.

## Quiz answers (A, B or C to the latest question).

quiz-right = Đúng rồi! Cảm ơn bạn đã tham gia đố vui pháp luật.
quiz-wrong = Chưa đúng, đáp án đúng là { $answer }. Cảm ơn bạn đã tham gia.
quiz-repeat = Bạn đã trả lời câu này rồi; mỗi câu chỉ tính lần trả lời đầu tiên.
quiz-closed = Cuộc thi đã kết thúc, câu trả lời không được tính. Cảm ơn bạn.

## Campaign: tảo hôn và hôn nhân cận huyết (six messages over four weeks).

vd-cm-age = Loa xã: Theo Điều 8 Luật Hôn nhân và gia đình 2014, nam từ đủ 20 tuổi, nữ từ đủ 18 tuổi mới được kết hôn. Lấy vợ, lấy chồng khi một hoặc cả hai bên chưa đủ tuổi là tảo hôn, bị cấm theo Điều 5. Nhắn HOI để hỏi thêm.
vd-cm-health = Loa xã: Tảo hôn hại sức khỏe. Người mẹ quá trẻ dễ gặp tai biến khi mang thai và sinh con; con dễ sinh non, nhẹ cân, suy dinh dưỡng. Hãy để các em đủ tuổi, đủ sức khỏe rồi mới lập gia đình.
vd-cm-school = Loa xã: Tảo hôn làm các em bỏ học, mất cơ hội học nghề, có việc làm; gia đình trẻ dễ nghèo khó, bất hòa. Cha mẹ đừng ép con lấy vợ, lấy chồng sớm: cưỡng ép kết hôn cũng bị cấm (Điều 5 Luật Hôn nhân và gia đình).
vd-cm-kin = Loa xã: Luật cấm kết hôn giữa người cùng dòng máu về trực hệ (cha mẹ với con, ông bà với cháu) và người có họ trong phạm vi ba đời: anh chị em cùng cha mẹ, cùng cha khác mẹ, cùng mẹ khác cha, anh chị em con chú, con bác, con cô, con cậu, con dì (Điều 5).
vd-cm-kin-harm = Loa xã: Kết hôn cận huyết làm con sinh ra dễ mắc bệnh di truyền (như tan máu bẩm sinh), dị tật, chậm phát triển. Trước khi cưới, hãy tìm hiểu quan hệ họ hàng và khám sức khỏe tiền hôn nhân tại trạm y tế xã.
vd-cm-help = Loa xã: Biết có tảo hôn, kết hôn cận huyết hay ép cưới, hãy báo trưởng thôn hoặc UBND xã. Cần tư vấn pháp luật, liên hệ Trung tâm trợ giúp pháp lý nhà nước của tỉnh, miễn phí cho người dân tộc thiểu số ở vùng đặc biệt khó khăn.

## Quiz: đố vui pháp luật về tảo hôn và hôn nhân cận huyết (right answers: B, C, A, B).

quiz-cm-1 = Đố vui pháp luật, câu 1: Theo Luật Hôn nhân và gia đình 2014, nữ được kết hôn từ bao nhiêu tuổi? A. Đủ 16 tuổi. B. Đủ 18 tuổi. C. Đủ 20 tuổi. Nhắn A, B hoặc C.
quiz-cm-2 = Đố vui pháp luật, câu 2: Theo Luật Hôn nhân và gia đình 2014, nam được kết hôn từ bao nhiêu tuổi? A. Đủ 18 tuổi. B. Đủ 19 tuổi. C. Đủ 20 tuổi. Nhắn A, B hoặc C.
quiz-cm-3 = Đố vui pháp luật, câu 3: Những ai bị cấm kết hôn với nhau? A. Anh chị em con chú, con bác, con cô, con cậu, con dì. B. Người khác dân tộc. C. Người khác xã. Nhắn A, B hoặc C.
quiz-cm-4 = Đố vui pháp luật, câu 4: Biết trong thôn có tảo hôn, nên báo ai? A. Không báo ai. B. Trưởng thôn hoặc UBND xã. C. Chỉ báo người trong nhà. Nhắn A, B hoặc C.
