## Staff API imports: a row reaching outside the areas of the staff member who uploaded the file.
import-outside-area = "{ $value }" lies outside your areas
