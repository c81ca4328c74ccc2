// Vite configuration of the Tongtu console. The backend serves index.html at `/` and the
// built files under `/assets/`, so the base is absolute and routing uses the URL hash.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath, URL } from 'node:url'

const backend = process.env.TONGTU_BACKEND ?? 'http://127.0.0.1:8080'

export default defineConfig({
  base: '/',
  plugins: [vue()],
  define: {
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
    __VUE_PROD_DEVTOOLS__: false,
  },
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: backend, changeOrigin: false, ws: true },
    },
  },
  preview: {
    proxy: {
      '/api': { target: backend, changeOrigin: false, ws: true },
    },
  },
  build: {
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      output: {
        manualChunks(id: string) {
          if (!id.includes('node_modules')) return undefined
          // Only the pages with a map or a chart load these (lazy chunks of their own).
          if (id.includes('maplibre-gl') || id.includes('@maplibre') || id.includes('@mapbox')) return 'maplibre'
          if (id.includes('/echarts/') || id.includes('/zrender/') || id.includes('/tslib/')) return 'echarts'
          if (id.includes('element-plus') || id.includes('@element-plus') || id.includes('@vueuse') || id.includes('@floating-ui') || id.includes('async-validator') || id.includes('dayjs') || id.includes('lodash')) {
            return 'element-plus'
          }
          if (id.includes('vue-i18n') || id.includes('@intlify')) return 'vue-i18n'
          if (id.includes('/vue') || id.includes('@vue') || id.includes('vue-router')) return 'vue'
          return 'vendor'
        },
      },
    },
  },
})
