//! Deterministic generation of the demo fleet: regions, ~60 enterprises, ~3,000 key operating
//! vehicles (1/3 passenger, 2/3 freight with ~300 hazardous-goods), one terminal and one driver
//! per vehicle. Every identifier passes the registry's own checks (USCC, VIN, plate, ID number).

use std::collections::HashSet;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tongtu_registry::entities::{DriverInput, EnterpriseInput, TerminalInput, VehicleInput};
use tongtu_registry::validate::{id_number_check_char, uscc_check_char, vin_check_digit};

/// A region of the demo city: division code, name, kind.
pub const REGIONS: &[(&str, &str, &str)] = &[
    ("441702", "江城区", "district"),
    ("441704", "阳东区", "district"),
    ("441781", "阳春市", "county_city"),
    ("441721", "阳西县", "county"),
    ("441790", "海陵试验区", "zone"),
    ("441791", "高新区", "zone"),
];

/// How many vehicles of each class the demo fleet has per 3,000.
const CLASS_MIX: &[(&str, u32)] = &[
    ("coach", 550),
    ("charter_bus", 450),
    ("hazmat", 300),
    ("heavy_truck", 1100),
    ("tractor", 600),
];

/// Enterprise kinds: (business types, vehicle classes they run, how many enterprises).
const ENTERPRISE_KINDS: &[(&[&str], &[&str], usize)] = &[
    (
        &["scheduled_passenger", "charter"],
        &["coach", "charter_bus"],
        10,
    ),
    (&["charter"], &["charter_bus"], 8),
    (&["hazmat"], &["hazmat"], 8),
    (&["general_freight"], &["heavy_truck", "tractor"], 34),
];

const NAME_STEMS: &[&str] = &[
    "漠江", "鸿达", "南鹏", "顺通", "海陵", "春湾", "合山", "东城", "平冈", "程村", "织篢", "溪头",
    "沙扒", "儒洞", "新洲", "岗美", "潭水", "八甲", "三甲", "河口", "马水", "圭岗", "永宁", "双滘",
    "陂面", "松柏", "河朗", "春城", "北惯", "红丰", "塘坪", "大沟", "雅韶", "合山", "东平", "闸坡",
    "平岗", "埠场", "白沙", "那龙", "大八", "新圩", "上洋", "塘口", "织篢", "麻汕", "诚信", "安达",
    "远航", "通达", "恒运", "粤西", "金港", "安运", "盛通", "华运", "骏达", "捷顺", "腾飞", "信达",
    "宏远", "嘉运",
];
const SURNAMES: &[&str] = &[
    "陈", "李", "黄", "林", "梁", "张", "王", "吴", "刘", "冯", "关", "谭", "莫", "杨", "许", "何",
    "邓", "叶", "钟", "罗",
];
const GIVEN: &[&str] = &[
    "伟", "强", "明", "华", "军", "建国", "志强", "国庆", "海波", "俊杰", "永康", "家豪", "文斌",
    "振华", "少华", "锦荣", "德明", "冠雄",
];
const TERMINAL_MAKERS: &[(&str, &str)] = &[
    ("70111", "YJ-808G"),
    ("30002", "GT-06A"),
    ("88012", "RH-M8"),
    ("10086", "ZB-DSM2"),
];

/// A generated enterprise; `region` indexes [`REGIONS`].
pub struct DemoEnterprise {
    pub region: usize,
    pub input: EnterpriseInput,
}

/// A generated vehicle with its terminal and driver; `enterprise` indexes the enterprises.
pub struct DemoVehicle {
    pub enterprise: usize,
    pub vehicle: VehicleInput,
    pub terminal: TerminalInput,
    pub driver: DriverInput,
}

pub struct DemoFleet {
    pub enterprises: Vec<DemoEnterprise>,
    pub vehicles: Vec<DemoVehicle>,
}

const USCC_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const VIN_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPRSTUVWXYZ";
const PLATE_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn uscc(rng: &mut StdRng) -> String {
    let mut s = String::from("91441700");
    for _ in 0..9 {
        s.push(*pick(rng, USCC_CHARS) as char);
    }
    let check = uscc_check_char(&s).unwrap_or('0');
    s.push(check);
    s
}

fn vin(rng: &mut StdRng, wmi: &str, year: char) -> String {
    let mut v: Vec<u8> = wmi.bytes().collect();
    for _ in 0..5 {
        v.push(*pick(rng, VIN_CHARS));
    }
    v.push(b'0'); // check digit placeholder
    v.push(year as u8);
    v.push(*pick(rng, b"ABCDEFGHJK"));
    for _ in 0..6 {
        v.push(b'0' + rng.random_range(0..10u8));
    }
    let mut s = String::from_utf8(v).unwrap_or_default();
    if let Some(c) = vin_check_digit(&s) {
        s.replace_range(8..9, &c.to_string());
    }
    s
}

fn id_number(rng: &mut StdRng, region_code: &str) -> String {
    let year = rng.random_range(1965..2000);
    let month = rng.random_range(1..=12);
    let day = rng.random_range(1..=28);
    let seq = rng.random_range(0..1000);
    let first = format!("{region_code}{year:04}{month:02}{day:02}{seq:03}");
    let check = id_number_check_char(&first).unwrap_or('0');
    format!("{first}{check}")
}

/// Generates the demo fleet for `vehicles` vehicles (3,000 in the demo) from `seed`.
pub fn generate(seed: u64, vehicles: usize) -> DemoFleet {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut enterprises = Vec::new();
    let mut used_uscc = HashSet::new();
    let mut stems = NAME_STEMS.iter();
    for (business, _, count) in ENTERPRISE_KINDS {
        for _ in 0..*count {
            let stem = stems.next().copied().unwrap_or("通途");
            let suffix = match business[0] {
                "scheduled_passenger" => "汽车客运有限公司",
                "charter" => "旅游汽车运输有限公司",
                "hazmat" => "危险货物运输有限公司",
                _ => "物流运输有限公司",
            };
            let name = format!("阳江市{stem}{suffix}");
            let mut code = uscc(&mut rng);
            while !used_uscc.insert(code.clone()) {
                code = uscc(&mut rng);
            }
            let region = rng.random_range(0..REGIONS.len());
            let n = enterprises.len() + 1;
            enterprises.push(DemoEnterprise {
                region,
                input: EnterpriseInput {
                    name,
                    uscc: code,
                    business_types: business.iter().map(|b| b.to_string()).collect(),
                    licence_no: format!("粤交运管许可阳字{}{n:06}号", REGIONS[region].0),
                    region_id: 0,
                    contact_name: format!("{}{}", pick(&mut rng, SURNAMES), pick(&mut rng, GIVEN)),
                    contact_phone: format!("0662-{}", rng.random_range(3_000_000..3_999_999)),
                    address: format!(
                        "阳江市{}{}路{}号",
                        REGIONS[region].1,
                        stem,
                        rng.random_range(1..300)
                    ),
                },
            });
        }
    }
    // Dedupe names: the stem list repeats a few entries on purpose-free data.
    let mut names = HashSet::new();
    for (i, e) in enterprises.iter_mut().enumerate() {
        if !names.insert(e.input.name.clone()) {
            e.input.name = e
                .input
                .name
                .replacen("有限公司", &format!("第{}分公司", i + 1), 1);
            names.insert(e.input.name.clone());
        }
    }

    let total: u32 = CLASS_MIX.iter().map(|(_, n)| n).sum();
    let mut out = Vec::with_capacity(vehicles);
    let mut plates = HashSet::new();
    let mut phones = HashSet::new();
    let mut ids = HashSet::new();
    for (class, share) in CLASS_MIX {
        let n = (*share as usize * vehicles).div_ceil(total as usize);
        let owners: Vec<usize> = enterprises
            .iter()
            .enumerate()
            .filter(|(_, _)| true)
            .filter(|(i, _)| {
                let kind = kind_of(*i);
                ENTERPRISE_KINDS[kind].1.contains(class)
            })
            .map(|(i, _)| i)
            .collect();
        for _ in 0..n {
            if out.len() >= vehicles {
                break;
            }
            let enterprise = *pick(&mut rng, &owners);
            let new_energy = *class == "charter_bus" && rng.random_bool(0.15);
            let plate = loop {
                let p = if new_energy {
                    format!(
                        "粤QD{}{:04}",
                        *pick(&mut rng, b"ABCDEFGHJK") as char,
                        rng.random_range(0..10000)
                    )
                } else {
                    let mut p = String::from("粤Q");
                    for _ in 0..5 {
                        p.push(*pick(&mut rng, PLATE_CHARS) as char);
                    }
                    p
                };
                if plates.insert(p.clone()) {
                    break p;
                }
            };
            let passenger = matches!(*class, "coach" | "charter_bus");
            let (wmi, seats, tonnage) = match *class {
                "coach" => ("LKL", Some(*pick(&mut rng, &[35i64, 39, 45, 49, 53])), None),
                "charter_bus" => ("LZY", Some(*pick(&mut rng, &[19i64, 23, 33, 45, 53])), None),
                "hazmat" => ("LZZ", None, Some(rng.random_range(10..32i64) * 1000)),
                "tractor" => ("LFW", None, Some(rng.random_range(25..40i64) * 1000)),
                _ => ("LGA", None, Some(rng.random_range(12..30i64) * 1000)),
            };
            let phone = loop {
                let p = format!("0144{:08}", rng.random_range(0..100_000_000u32));
                if phones.insert(p.clone()) {
                    break p;
                }
            };
            let version = match rng.random_range(0..100) {
                0..5 => "2011",
                5..75 => "2013",
                _ => "2019",
            };
            let (maker, model) = *pick(&mut rng, TERMINAL_MAKERS);
            let region_code = REGIONS[enterprises[enterprise].region].0;
            let id = loop {
                let id = id_number(&mut rng, region_code);
                if ids.insert(id.clone()) {
                    break id;
                }
            };
            let year = *pick(&mut rng, &['J', 'K', 'L', 'M', 'N', 'P', 'R']);
            let vin = vin(&mut rng, wmi, year);
            out.push(DemoVehicle {
                enterprise,
                vehicle: VehicleInput {
                    plate: plate.clone(),
                    plate_color: if new_energy { 5 } else { 2 },
                    vin,
                    vehicle_class: class.to_string(),
                    seats,
                    tonnage_kg: tonnage,
                    transport_cert_no: format!("{region_code}{:06}", out.len() + 1),
                    enterprise_id: 0,
                    status: if rng.random_bool(0.97) {
                        "active"
                    } else {
                        "suspended"
                    }
                    .to_string(),
                    line_km: (*class == "coach")
                        .then(|| *pick(&mut rng, &[45i64, 120, 180, 260, 380, 520, 760])),
                },
                terminal: TerminalInput {
                    phone,
                    terminal_id: format!("T{:06}", out.len() + 1),
                    manufacturer: maker.to_string(),
                    model: model.to_string(),
                    protocol_version: version.to_string(),
                    enterprise_id: 0,
                    vehicle_id: None,
                    active: true,
                },
                driver: DriverInput {
                    name: format!("{}{}", pick(&mut rng, SURNAMES), pick(&mut rng, GIVEN)),
                    id_number: id.clone(),
                    phone: format!("13{}", rng.random_range(100_000_000..999_999_999u64)),
                    // Certificate numbers are not derived from the ID number: that would leak it.
                    qualification_cert_no: format!(
                        "{}{region_code}{:08}",
                        if passenger { "KY" } else { "HY" },
                        rng.random_range(0..100_000_000u32)
                    ),
                    enterprise_id: 0,
                    vehicle_id: None,
                },
            });
        }
    }
    DemoFleet {
        enterprises,
        vehicles: out,
    }
}

/// Index into [`ENTERPRISE_KINDS`] of the i-th generated enterprise.
fn kind_of(i: usize) -> usize {
    let mut acc = 0;
    for (k, (_, _, n)) in ENTERPRISE_KINDS.iter().enumerate() {
        acc += n;
        if i < acc {
            return k;
        }
    }
    ENTERPRISE_KINDS.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use tongtu_registry::record::Record;
    use tongtu_registry::{Driver, Enterprise, Terminal, Vehicle};

    #[test]
    fn demo_fleet_has_the_promised_shape_and_valid_identities() {
        let f = generate(7, 3000);
        assert_eq!(f.enterprises.len(), 60);
        assert_eq!(f.vehicles.len(), 3000);
        let passenger = f
            .vehicles
            .iter()
            .filter(|v| matches!(v.vehicle.vehicle_class.as_str(), "coach" | "charter_bus"))
            .count();
        let hazmat = f
            .vehicles
            .iter()
            .filter(|v| v.vehicle.vehicle_class == "hazmat")
            .count();
        assert_eq!(passenger, 1000);
        assert_eq!(hazmat, 300);
        for e in &f.enterprises {
            assert_eq!(Enterprise::validate(&e.input), vec![], "{}", e.input.name);
        }
        for v in &f.vehicles {
            assert_eq!(Vehicle::validate(&v.vehicle), vec![], "{}", v.vehicle.plate);
            assert_eq!(
                Terminal::validate(&v.terminal),
                vec![],
                "{}",
                v.terminal.phone
            );
            assert_eq!(
                Driver::validate(&v.driver),
                vec![],
                "{}",
                v.driver.id_number
            );
            let kind = kind_of(v.enterprise);
            assert!(ENTERPRISE_KINDS[kind]
                .1
                .contains(&v.vehicle.vehicle_class.as_str()));
        }
    }

    #[test]
    fn generation_is_deterministic() {
        let a = generate(1, 200);
        let b = generate(1, 200);
        let plates = |f: &DemoFleet| {
            f.vehicles
                .iter()
                .map(|v| v.vehicle.plate.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(plates(&a), plates(&b));
        assert_ne!(plates(&a), plates(&generate(2, 200)));
    }
}
