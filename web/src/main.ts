/** Entry point of the Tongtu console. */
import { createApp } from 'vue'
import ElementPlus from 'element-plus'
import 'element-plus/dist/index.css'
import './styles.css'
import App from './App.vue'
import { i18n, setLocale, currentLocale } from './i18n'
import { router } from './router'

setLocale(currentLocale.value)
createApp(App).use(i18n).use(router).use(ElementPlus).mount('#app')
