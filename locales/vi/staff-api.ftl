## Nhập tệp qua API: dòng vượt ra ngoài địa bàn của cán bộ tải tệp lên.
import-outside-area = "{ $value }" nằm ngoài địa bàn của bạn
