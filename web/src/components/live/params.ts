/** Names of the JT/T 808 terminal parameters (0x8103/0x0104) an officer reads on the card. */
import { currentLocale } from '@/i18n'

const NAMES: Record<number, [string, string]> = {
  0x0001: ['心跳间隔(s)', 'Heartbeat interval (s)'],
  0x0002: ['TCP应答超时(s)', 'TCP ack timeout (s)'],
  0x0003: ['TCP重传次数', 'TCP retransmissions'],
  0x0010: ['主服务器APN', 'Main server APN'],
  0x0013: ['主服务器地址', 'Main server address'],
  0x0018: ['服务器TCP端口', 'Server TCP port'],
  0x0020: ['位置汇报策略', 'Report strategy'],
  0x0021: ['位置汇报方案', 'Report scheme'],
  0x0022: ['驾驶员未登录汇报间隔(s)', 'Interval, driver not signed in (s)'],
  0x0027: ['休眠时汇报间隔(s)', 'Interval while asleep (s)'],
  0x0028: ['紧急报警时汇报间隔(s)', 'Interval in emergency (s)'],
  0x0029: ['缺省汇报间隔(s)', 'Default report interval (s)'],
  0x002c: ['缺省距离汇报间隔(m)', 'Default report distance (m)'],
  0x0030: ['拐点补传角度(°)', 'Corner angle (°)'],
  0x0050: ['报警屏蔽字', 'Alarm mask'],
  0x0055: ['最高速度(km/h)', 'Maximum speed (km/h)'],
  0x0056: ['超速持续时间(s)', 'Overspeed duration (s)'],
  0x0057: ['连续驾驶时间门限(s)', 'Continuous driving limit (s)'],
  0x0058: ['当天累计驾驶时间门限(s)', 'Daily driving limit (s)'],
  0x0059: ['最小休息时间(s)', 'Minimum rest (s)'],
  0x005a: ['最长停车时间(s)', 'Maximum parking time (s)'],
  0x005b: ['超速预警差值(1/10 km/h)', 'Overspeed warning margin (0.1 km/h)'],
  0x005c: ['疲劳驾驶预警差值(s)', 'Fatigue warning margin (s)'],
  0x0080: ['车辆里程表读数(1/10 km)', 'Odometer (0.1 km)'],
  0x0083: ['机动车号牌', 'Plate'],
  0x0084: ['车牌颜色', 'Plate colour'],
}

export function paramName(id: number): string {
  const hex = `0x${id.toString(16).padStart(4, '0').toUpperCase()}`
  const n = NAMES[id]
  if (!n) return hex
  return `${currentLocale.value === 'en' ? n[1] : n[0]} (${hex})`
}
