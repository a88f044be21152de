// The playback page's own words (the live client's tables belong to its UI), zh-CN and en.
import { currentLang } from '../i18n';

const EN = {
  play: 'Play', pause: 'Pause', speed: 'Speed', chapters: 'Chapters', explore: 'Explore',
  resume: 'Resume recording', exploring: 'Exploring on your own — the recording is paused',
  media: 'Video', no_media: 'This recording has no audio/video tracks.',
  media_failed: 'This track cannot be played here.', participants: 'Participants', chat: 'Chat',
  recordings: 'Recordings', no_token: 'Open this page from a recording link (#token=…).',
  loading: 'Loading the recording…', failed: 'The recording could not be loaded',
  chapter_case: 'Case', chapter_series: 'Series', chapter_measurement: 'Measurement',
  chapter_control: 'Control', chapter_question: 'Question', tool_wl: 'W/L', tool_pan: 'Pan',
  tool_zoom: 'Zoom', tool_length: 'Length', tool_ellipse: 'Ellipse', no_recordings: 'No recordings.',
} as const;

type Key = keyof typeof EN;

const ZH: Record<Key, string> = {
  play: '播放', pause: '暂停', speed: '速度', chapters: '章节', explore: '自行浏览',
  resume: '回到录像', exploring: '自行浏览中 — 录像已暂停', media: '视频',
  no_media: '此录像没有音视频轨道。', media_failed: '此轨道无法在此播放。',
  participants: '参与者', chat: '聊天', recordings: '录像', no_token: '请从录像链接打开此页面（#token=…）。',
  loading: '正在加载录像…', failed: '无法加载录像', chapter_case: '病例', chapter_series: '序列',
  chapter_measurement: '测量', chapter_control: '控制权', chapter_question: '提问',
  tool_wl: '窗宽窗位', tool_pan: '平移', tool_zoom: '缩放', tool_length: '长度', tool_ellipse: '椭圆',
  no_recordings: '没有录像。',
};

export function label(key: string): string {
  const table: Record<string, string> = currentLang() === 'zh-CN' ? ZH : EN;
  return table[key] ?? key;
}
