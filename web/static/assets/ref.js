// Reference data (districts, banks), read once per page load.
import { get } from './api.js';

const cache = new Map();

function once(key, fn) {
  if (!cache.has(key)) cache.set(key, fn().catch((err) => { cache.delete(key); throw err; }));
  return cache.get(key);
}

export const districts = () => once('districts', async () => (await get('/api/v1/districts')).items);
export const banks = () => once('banks', async () => (await get('/api/v1/banks')).items);
export const forget = (key) => cache.delete(key);

export const nameOf = (list, code) => {
  const x = list.find((i) => i.code === code);
  return x ? x.name : code || '—';
};
