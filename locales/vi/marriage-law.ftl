# loa — Vietnamese: questions about marriage law (Luật Hôn nhân và gia đình 2014, số 52/2014/QH13).
# Facts from the law's text: Điều 8 khoản 1 điểm a (tuổi kết hôn), Điều 5 khoản 2 điểm b và d
# (cấm tảo hôn, cưỡng ép kết hôn, kết hôn cận huyết), Điều 3 khoản 8, 17, 18 (định nghĩa).
# Change a fact only against the law's text. USSD shows a body over several screens.

marriage-age-title = Tuổi kết hôn
marriage-age-body = Theo Điều 8 Luật Hôn nhân và gia đình 2014, nam từ đủ 20 tuổi trở lên, nữ từ đủ 18 tuổi trở lên mới được kết hôn. Tuổi tính theo ngày, tháng, năm sinh. Việc kết hôn do nam và nữ tự nguyện quyết định và phải đăng ký tại UBND xã.
marriage-child-title = Tảo hôn
marriage-child-body = Tảo hôn là lấy vợ, lấy chồng khi một hoặc cả hai bên chưa đủ tuổi kết hôn: nam chưa đủ 20 tuổi, nữ chưa đủ 18 tuổi (Điều 3). Điều 5 Luật Hôn nhân và gia đình 2014 cấm tảo hôn và cưỡng ép kết hôn. Tảo hôn hại sức khỏe mẹ và con, làm các em bỏ học. Biết có tảo hôn, hãy báo UBND xã.
marriage-kin-title = Kết hôn cận huyết
marriage-kin-body = Điều 5 Luật Hôn nhân và gia đình 2014 cấm kết hôn hoặc chung sống như vợ chồng giữa những người cùng dòng máu về trực hệ (cha mẹ với con, ông bà với cháu) và giữa những người có họ trong phạm vi ba đời: anh chị em cùng cha hoặc cùng mẹ, anh chị em con chú, con bác, con cô, con cậu, con dì. Con sinh ra dễ mắc bệnh di truyền.
