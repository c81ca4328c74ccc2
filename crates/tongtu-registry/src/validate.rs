//! Identity checks used by every registry write: plates, 统一社会信用代码 (USCC), VINs,
//! resident ID numbers and terminal SIM numbers. Each check returns a message fit to show
//! the operator who typed the value.

/// Province abbreviations that start a mainland civil plate.
const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

/// Plate colour codes of JT/T 808 / JT/T 697.7.
pub const PLATE_COLOR_GREEN: i64 = 5;

fn is_plate_letter(c: char) -> bool {
    c.is_ascii_uppercase() && c != 'I' && c != 'O'
}

fn is_plate_alnum(c: char) -> bool {
    c.is_ascii_digit() || is_plate_letter(c)
}

/// Kind of plate recognised by [`check_plate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlateKind {
    /// Seven-character fuel-vehicle plate (blue, yellow, black, white).
    Ordinary,
    /// Eight-character new-energy plate (green).
    NewEnergy,
}

/// Checks a mainland plate number such as `粤Q12345`, `粤QD12345` (small new-energy) or
/// `粤Q12345D` (large new-energy) and returns its kind.
pub fn check_plate(plate: &str) -> Result<PlateKind, String> {
    let chars: Vec<char> = plate.chars().collect();
    if chars.len() < 7 {
        return Err(format!(
            "车牌号 {plate:?} 太短：应为 7 位（燃油车）或 8 位（新能源）"
        ));
    }
    if !PROVINCES.contains(chars[0]) {
        return Err(format!(
            "车牌号 {plate:?} 首字应为省份简称，实际为 {:?}",
            chars[0]
        ));
    }
    if !is_plate_letter(chars[1]) {
        return Err(format!(
            "车牌号 {plate:?} 第 2 位应为发牌机关字母（不含 I、O）"
        ));
    }
    let rest = &chars[2..];
    match rest.len() {
        5 => {
            let (body, last) = rest.split_at(4);
            if !body.iter().all(|&c| is_plate_alnum(c)) {
                return Err(format!(
                    "车牌号 {plate:?} 第 3–6 位只能是数字或字母（不含 I、O）"
                ));
            }
            let l = last[0];
            if !(is_plate_alnum(l) || "挂学警港澳".contains(l)) {
                return Err(format!("车牌号 {plate:?} 末位 {l:?} 无效"));
            }
            Ok(PlateKind::Ordinary)
        }
        6 => {
            let small = (rest[0] == 'D' || rest[0] == 'F')
                && is_plate_alnum(rest[1])
                && rest[2..].iter().all(|c| c.is_ascii_digit());
            let large =
                rest[..5].iter().all(|c| c.is_ascii_digit()) && (rest[5] == 'D' || rest[5] == 'F');
            if small || large {
                Ok(PlateKind::NewEnergy)
            } else {
                Err(format!(
                    "新能源车牌 {plate:?} 格式无效：小型车为 D/F + 1 位字母或数字 + 4 位数字，大型车为 5 位数字 + D/F"
                ))
            }
        }
        _ => Err(format!(
            "车牌号 {plate:?} 长度应为 7 或 8 个字符，实际为 {}",
            chars.len()
        )),
    }
}

/// Checks that a plate colour code agrees with the plate kind.
pub fn check_plate_color(plate_kind: PlateKind, color: i64) -> Result<(), String> {
    if !matches!(color, 1..=5 | 9) {
        return Err(format!(
            "车牌颜色代码 {color} 无效：应为 1 蓝、2 黄、3 黑、4 白、5 绿 或 9 其他"
        ));
    }
    match (plate_kind, color) {
        (PlateKind::NewEnergy, c) if c != PLATE_COLOR_GREEN && c != 9 => {
            Err("新能源号牌（8 位）的车牌颜色应为 5 绿色".to_string())
        }
        (PlateKind::Ordinary, PLATE_COLOR_GREEN) => Err("绿色号牌应为 8 位新能源号牌".to_string()),
        _ => Ok(()),
    }
}

/// Character set of the 统一社会信用代码 (GB 32100-2015): digits and letters without I, O, S, V, Z.
const USCC_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Computes the check character of the first 17 characters of a USCC.
pub fn uscc_check_char(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (i, &c) in b.iter().enumerate() {
        let v = USCC_CHARS.iter().position(|&x| x == c)? as u32;
        sum += v * USCC_WEIGHTS[i];
    }
    let check = (31 - sum % 31) % 31;
    Some(USCC_CHARS[check as usize] as char)
}

/// Validates an 18-character 统一社会信用代码 including its GB 32100 check character.
pub fn check_uscc(code: &str) -> Result<(), String> {
    if code.len() != 18 || !code.is_ascii() {
        return Err(format!(
            "统一社会信用代码应为 18 位，实际为 {} 位",
            code.chars().count()
        ));
    }
    if let Some((i, c)) = code
        .bytes()
        .enumerate()
        .find(|(_, c)| !USCC_CHARS.contains(c))
    {
        return Err(format!(
            "统一社会信用代码第 {} 位 {:?} 无效（只允许数字和除 I、O、S、V、Z 外的大写字母）",
            i + 1,
            c as char
        ));
    }
    let expected = uscc_check_char(&code[..17]).ok_or("统一社会信用代码无效")?;
    let found = code.as_bytes()[17] as char;
    if expected != found {
        return Err(format!(
            "统一社会信用代码校验位错误：应为 {expected}，实际为 {found}"
        ));
    }
    Ok(())
}

fn vin_value(c: u8) -> Option<u32> {
    Some(match c {
        b'0'..=b'9' => (c - b'0') as u32,
        b'A' | b'J' => 1,
        b'B' | b'K' | b'S' => 2,
        b'C' | b'L' | b'T' => 3,
        b'D' | b'M' | b'U' => 4,
        b'E' | b'N' | b'V' => 5,
        b'F' | b'W' => 6,
        b'G' | b'P' | b'X' => 7,
        b'H' | b'Y' => 8,
        b'R' | b'Z' => 9,
        _ => return None,
    })
}
const VIN_WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/// Computes the check digit (position 9) of a 17-character VIN; the 9th input character is ignored.
pub fn vin_check_digit(vin: &str) -> Option<char> {
    let b = vin.as_bytes();
    if b.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (i, &c) in b.iter().enumerate() {
        sum += vin_value(c)? * VIN_WEIGHTS[i];
    }
    Some(match sum % 11 {
        10 => 'X',
        d => char::from(b'0' + d as u8),
    })
}

/// Validates a VIN (GB 16735 / ISO 3779): 17 characters without I, O, Q and a correct check digit.
pub fn check_vin(vin: &str) -> Result<(), String> {
    if vin.len() != 17 || !vin.is_ascii() {
        return Err(format!(
            "车辆识别代号（VIN）应为 17 位，实际为 {} 位",
            vin.chars().count()
        ));
    }
    if let Some((i, c)) = vin
        .bytes()
        .enumerate()
        .find(|&(_, c)| vin_value(c).is_none())
    {
        return Err(format!(
            "VIN 第 {} 位 {:?} 无效（只允许数字和除 I、O、Q 外的大写字母）",
            i + 1,
            c as char
        ));
    }
    let expected = vin_check_digit(vin).ok_or("VIN 无效")?;
    let found = vin.as_bytes()[8] as char;
    if expected != found {
        return Err(format!(
            "VIN 校验位（第 9 位）错误：应为 {expected}，实际为 {found}"
        ));
    }
    Ok(())
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// Computes the check character of the first 17 digits of a resident ID number (GB 11643).
pub fn id_number_check_char(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(&c, w)| (c - b'0') as u32 * w)
        .sum();
    Some(ID_CHECK[(sum % 11) as usize] as char)
}

/// Validates an 18-digit resident ID number: digits, a real birth date and the check character.
pub fn check_id_number(id: &str) -> Result<(), String> {
    if id.len() != 18 || !id.is_ascii() {
        return Err(format!(
            "身份证号应为 18 位，实际为 {} 位",
            id.chars().count()
        ));
    }
    let expected = id_number_check_char(&id[..17]).ok_or("身份证号前 17 位应为数字")?;
    let birth = &id[6..14];
    if chrono::NaiveDate::parse_from_str(birth, "%Y%m%d").is_err() {
        return Err(format!("身份证号中的出生日期 {birth} 无效"));
    }
    let found = id.as_bytes()[17].to_ascii_uppercase() as char;
    if expected != found {
        return Err(format!(
            "身份证号校验位错误：应为 {expected}，实际为 {found}"
        ));
    }
    Ok(())
}

/// Masks an ID number for display: the region prefix and the last four characters stay.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}

/// Validates a terminal SIM/phone number for the header width of its protocol version.
pub fn check_terminal_phone(phone: &str, protocol_version: &str) -> Result<(), String> {
    let max = if protocol_version == "2019" { 20 } else { 12 };
    if phone.is_empty() || phone.len() > max || !phone.bytes().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "终端手机号（SIM 卡号）应为 1–{max} 位数字（JT/T 808-{protocol_version} 报文头宽度），实际为 {phone:?}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plates_of_every_kind() {
        assert_eq!(check_plate("粤Q12345"), Ok(PlateKind::Ordinary));
        assert_eq!(check_plate("粤QA123挂"), Ok(PlateKind::Ordinary));
        assert_eq!(check_plate("粤QD12345"), Ok(PlateKind::NewEnergy));
        assert_eq!(check_plate("粤QF1A234").map_err(|_| ()), Err(()));
        assert_eq!(check_plate("粤QFA1234"), Ok(PlateKind::NewEnergy));
        assert_eq!(check_plate("粤Q12345D"), Ok(PlateKind::NewEnergy));
        assert!(check_plate("XQ12345").unwrap_err().contains("省份"));
        assert!(check_plate("粤O12345").unwrap_err().contains("第 2 位"));
        assert!(check_plate("粤Q1234").unwrap_err().contains("太短"));
        assert!(check_plate("粤Q1I345").is_err());
        assert!(check_plate("粤Q123456789").unwrap_err().contains("长度"));
    }

    #[test]
    fn plate_colour_matches_kind() {
        assert!(check_plate_color(PlateKind::NewEnergy, 5).is_ok());
        assert!(check_plate_color(PlateKind::NewEnergy, 2).is_err());
        assert!(check_plate_color(PlateKind::Ordinary, 5).is_err());
        assert!(check_plate_color(PlateKind::Ordinary, 2).is_ok());
        assert!(check_plate_color(PlateKind::Ordinary, 7).is_err());
    }

    #[test]
    fn uscc_check_character() {
        // Published example codes with known-good check characters.
        assert!(check_uscc("91350100M000100Y43").is_ok());
        assert!(check_uscc("91110000802100433B").is_ok());
        let err = check_uscc("91350100M000100Y44").unwrap_err();
        assert!(err.contains("应为 3"), "{err}");
        assert!(check_uscc("91350100M000100Y4")
            .unwrap_err()
            .contains("18 位"));
        assert!(check_uscc("91350100M000100I43")
            .unwrap_err()
            .contains("第 16 位"));
    }

    #[test]
    fn vin_check_digit_known_values() {
        assert!(check_vin("1M8GDM9AXKP042788").is_ok());
        assert!(check_vin("LSVAM4187C2184847").is_ok());
        let err = check_vin("1M8GDM9A1KP042788").unwrap_err();
        assert!(err.contains("应为 X"), "{err}");
        assert!(check_vin("1M8GDM9AXKP04278O")
            .unwrap_err()
            .contains("第 17 位"));
        assert!(check_vin("SHORT").is_err());
    }

    #[test]
    fn id_numbers_and_masking() {
        assert!(check_id_number("11010519491231002X").is_ok());
        assert!(check_id_number("110105194912310021")
            .unwrap_err()
            .contains("校验位"));
        assert!(check_id_number("110105194913310023")
            .unwrap_err()
            .contains("出生日期"));
        assert_eq!(mask_id_number("11010519491231002X"), "110105********002X");
    }

    #[test]
    fn terminal_phone_width_depends_on_version() {
        assert!(check_terminal_phone("013800138000", "2013").is_ok());
        assert!(check_terminal_phone("0138001380001", "2013").is_err());
        assert!(check_terminal_phone("00000000013800138000", "2019").is_ok());
        assert!(check_terminal_phone("13a", "2019").is_err());
    }
}
